import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
import buildNotesApp from '../src/app.ts';

/**
 * The reference app's OpenAPI document, checked by tools that are not Lift's: an OpenAPI 3.1 validator
 * (the official schema, `@seriousme/openapi-schema-validator`) and a type generator (`openapi-typescript`),
 * whose types a typed call against the notes API must then satisfy under `tsc` — and a mistyped one fail.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'lift-openapi-'));
let document: OpenAPI3;

beforeAll(async () => {
  const app = buildNotesApp({ env: 'test', dataDir: dir, log: { level: 'silent' } });
  const response = await app.fetch(new Request('http://localhost/openapi.json'));
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenAPI3;
  await app.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('is a valid OpenAPI 3.1 document', async () => {
  const validator = new Validator();
  const result = await validator.validate({ ...document });
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
});

/** A typed client for two notes routes, written only against the generated `paths`. */
const CALLS = `
import type { paths } from './notes-api.js';

type CreateNote = paths['/tenants/{tenantId}/notes']['post'];
type ListNotes = paths['/tenants/{tenantId}/notes']['get'];
type NoteBody = CreateNote['requestBody']['content']['application/json'];
type Note = CreateNote['responses'][201]['content']['application/json'];
type Page = ListNotes['responses'][200]['content']['application/json'];

export async function createNote(
  base: string,
  path: CreateNote['parameters']['path'],
  body: NoteBody,
): Promise<Note> {
  const url = base + '/tenants/' + encodeURIComponent(path.tenantId) + '/notes';
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as Note;
}

export async function listNotes(base: string, query: ListNotes['parameters']['query']): Promise<Page> {
  const response = await fetch(base + '?limit=' + String(query?.limit ?? 20));
  return (await response.json()) as Page;
}
`;

const GOOD = `
import { createNote, listNotes } from './calls.ts';

export async function use(): Promise<string> {
  const note = await createNote('http://localhost:3000', { tenantId: 't1' }, { title: 'Plan' });
  const author: string | null = note.author_id;
  const page = await listNotes('http://localhost:3000', { limit: 10, cursor: 'abc' });
  const first: string | undefined = page.items[0]?.title;
  return note.title + (author ?? '') + (first ?? '') + (page.next_cursor ?? '');
}
`;

const BAD = `
import { createNote } from './calls.ts';

export async function use(): Promise<number> {
  // A note needs a title, and a title is a string.
  await createNote('http://localhost:3000', { tenantId: 't1' }, { body: 'no title' });
  const note = await createNote('http://localhost:3000', { tenantId: 't1' }, { title: 7 });
  // The author may be null, and no note has a "tags" field.
  const author: string = note.author_id;
  return note.tags + author.length;
}
`;

function typeErrors(folder: string, entry: string): string[] {
  const program = ts.createProgram([path.join(folder, entry)], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
    );
}

it('generates types with openapi-typescript that type a call to the notes API, and refuse a wrong one', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'lift-openapi-types-'));
  try {
    const types = astToString(await openapiTS(document));
    // As openapi-typescript's guide writes them: a declaration file (its recursive JSON-value type is one
    // TypeScript accepts only there).
    writeFileSync(path.join(folder, 'notes-api.d.ts'), types);
    writeFileSync(path.join(folder, 'calls.ts'), CALLS);
    writeFileSync(path.join(folder, 'good.ts'), GOOD);
    writeFileSync(path.join(folder, 'bad.ts'), BAD);
    writeFileSync(path.join(folder, 'package.json'), '{ "type": "module" }');

    expect(typeErrors(folder, 'good.ts')).toEqual([]);
    const errors = typeErrors(folder, 'bad.ts');
    expect(errors.every((error) => error.startsWith('bad.ts'))).toBe(true);
    expect(errors.join('\n')).toMatch(/'title' is missing/);
    expect(errors.join('\n')).toMatch(/'number' is not assignable to type 'string'/);
    expect(errors.join('\n')).toMatch(/'null' is not assignable to type 'string'/);
    expect(errors.join('\n')).toMatch(/Property 'tags' does not exist/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}, 60_000);
