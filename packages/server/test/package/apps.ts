import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/lift-process.ts';

/**
 * The apps the package test writes into a user's project: the README's 20-line app, plus one guarded route, in
 * TypeScript (from the README itself, so the README stays runnable) and in JavaScript (ESM, and CommonJS with
 * `require`, as an `npm init` project writes it).
 */

const GUARDED_ROUTE = `  app.group('/mine', requireAuth()).get('/', (ctx) => ({ id: ctx.principal!.id }));\n`;

export function typeScriptApp(): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /## An app in 20 lines\n+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no "An app in 20 lines" TypeScript block');
  const withImport = block.replace(
    "NotFoundError } from '@lift/server'",
    "NotFoundError, requireAuth } from '@lift/server'",
  );
  const app = withImport.replace('  return app;\n}', `${GUARDED_ROUTE}  return app;\n}`);
  if (app === withImport || withImport === block) throw new Error('README app changed shape; update apps.ts');
  return app;
}

const JS_BODY = `
function build(config) {
  const app = createLift(config);
  const books = new Map();

  app.get('/hello', () => ({ hello: 'world' }));
  app.post('/books/:id', {
    input: { params: z.object({ id: z.string() }), body: z.object({ title: z.string().min(1) }) },
    handler: (_ctx, { params, body }) => {
      books.set(params.id, body);
      return body;
    },
  });
  app.get('/books/:id', (ctx) => {
    const book = books.get(ctx.params.id);
    if (!book) throw new NotFoundError('No such book.');
    return book;
  });
  app.group('/mine', requireAuth()).get('/', (ctx) => ({ id: ctx.principal.id }));
  return app;
}
`;

export function esmJavaScriptApp(): string {
  return `import { createLift, NotFoundError, requireAuth } from '@lift/server';
import { z } from 'zod';
${JS_BODY}
export default build;
`;
}

export function commonJsJavaScriptApp(): string {
  return `const { createLift, NotFoundError, requireAuth } = require('@lift/server');
const { z } = require('zod');
${JS_BODY}
module.exports = build;
`;
}

/** What a user's `tsc --noEmit` reads: only the settings a Node project needs, every other option at its default. */
export const USER_TSCONFIG = `${JSON.stringify(
  { compilerOptions: { module: 'nodenext', strict: true, noEmit: true }, files: ['app.ts'] },
  null,
  2,
)}\n`;
