import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type LiftManifest, liftManifest } from './manifest.ts';

/**
 * `lift init <dir>`: a starter project that runs with `npm install && npm start` and tests with `npm test`. The
 * versions it depends on are the ones this Lift was built with, so a fresh install matches what it was tried on.
 */

function packageJson(name: string, lift: LiftManifest): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      start: 'lift serve',
      dev: 'lift serve --watch',
      test: 'node --import tsx --test test/*.test.ts',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { '@lift/server': `^${lift.version}`, zod: lift.dependencies.zod ?? '*' },
    devDependencies: {
      '@types/node': `^${process.versions.node.split('.')[0]}`,
      tsx: lift.dependencies.tsx ?? '*',
      typescript: '^5.9.0',
    },
    engines: { node: '>=20.19' },
    allowScripts: { 'better-sqlite3': true, esbuild: true },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const APP = `import { createLift, type LiftConfigInput, NotFoundError, requireAuth } from '@lift/server';
import { z } from 'zod';

/** The app: \`lift serve\` calls this with the effective configuration (lift.config.ts, LIFT_* variables, flags). */
export default function build(config: LiftConfigInput = {}) {
  const app = createLift(config);
  const notes = new Map<string, { text: string }>();

  app.get('/hello', () => ({ hello: 'world' }));
  app.put('/notes/:id', {
    input: { params: z.object({ id: z.string() }), body: z.object({ text: z.string().min(1) }) },
    handler: (_ctx, { params, body }) => {
      notes.set(params.id, body);
      return body;
    },
  });
  app.get('/notes/:id', (ctx) => {
    const note = notes.get(ctx.params.id ?? '');
    if (!note) throw new NotFoundError('No such note.');
    return note;
  });
  // Only for a signed-in caller: sign up at POST /auth/signup, the verification mail lands in .lift/mail/.
  app.group('/me', requireAuth()).get('/', (ctx) => ({ id: ctx.principal?.id }));
  return app;
}
`;

const CONFIG = `// Settings for \`lift serve\`; LIFT_* environment variables and command-line flags override them.
export default {
  app: './src/app.ts',
  port: 3000,
};
`;

const ENV_EXAMPLE = `# Copy what you need into your environment; Lift reads LIFT_* variables (nested keys with __).
# Production needs a root secret: openssl rand -base64 32
# LIFT_ENV=production
# LIFT_SECRET=base64:...
# LIFT_PORT=3000
# LIFT_LOG__LEVEL=info
# LIFT_STORAGE__URL=postgres://user@localhost/app
`;

const TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import build from '../src/app.ts';

test('GET /hello answers, a missing note is a 404 problem', async () => {
  const app = build({ log: { level: 'silent' }, storage: { url: 'sqlite::memory:' } });
  try {
    const hello = await app.fetch(new Request('http://app.test/hello'));
    assert.equal(hello.status, 200);
    assert.deepEqual(await hello.json(), { hello: 'world' });
    const missing = await app.fetch(new Request('http://app.test/notes/nope'));
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'LIFT_NOT_FOUND');
  } finally {
    await app.close();
  }
});
`;

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      types: ['node'],
      skipLibCheck: false,
    },
    include: ['src', 'test', 'lift.config.ts'],
  },
  null,
  2,
)}\n`;

function readme(name: string): string {
  return `# ${name}

A Lift app.

\`\`\`sh
npm install
npm start        # http://127.0.0.1:3000/hello — SQLite and mail (as JSON files) under ./.lift
npm run dev      # the same, restarted when a file under src/ or lift.config.ts changes
npm test
\`\`\`

- \`src/app.ts\` builds the app: routes, typed input, guards.
- \`lift.config.ts\` holds settings; \`.env.example\` lists the environment variables production needs.
- \`npx lift --help\` lists the commands (migrations, users, keys, access checks).
`;
}

const GITIGNORE = 'node_modules/\n.lift/\n.env\n';

/**
 * Writes the starter into `dir`, relative to `cwd` (created; it must be empty if it exists). Returns the files
 * written.
 */
export function initProject(dir: string, cwd: string): string[] {
  const target = path.resolve(cwd, dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new Error(`${dir} is not empty; lift init writes into a new or empty directory`);
  }
  const name =
    path
      .basename(target)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-') || 'lift-app';
  const files: Record<string, string> = {
    'package.json': packageJson(name, liftManifest()),
    'src/app.ts': APP,
    'lift.config.ts': CONFIG,
    '.env.example': ENV_EXAMPLE,
    'test/app.test.ts': TEST,
    'tsconfig.json': TSCONFIG,
    'README.md': readme(name),
    '.gitignore': GITIGNORE,
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    writeFileSync(path.join(target, file), content);
  }
  return Object.keys(files);
}
