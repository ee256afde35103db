import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BoundaryViolation, checkAppImports, checkBoundaries } from './boundaries/check-boundaries.ts';
import { findCycles } from './boundaries/find-cycles.ts';
import { type ImportGraph, importsOf, readImportGraph } from './boundaries/import-graph.ts';
import { type BoundaryPolicy, liftPolicy, patternToRegExp } from './boundaries/policy.ts';

/**
 * The module boundaries of packages/server/src, enforced in `npm test` (issue 11, "boundaries the build
 * enforces"). The policy and the reason for every allowance are in `boundaries/policy.ts`. Each rule is first
 * shown to fire on a small tree written here, then the real tree is checked.
 */

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../../examples', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));
/** The subpaths `@lift/server` declares in its `exports` (`http`, `testing` …). */
const SUBPATHS = Object.keys(
  (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { exports: Record<string, unknown> }).exports,
)
  .filter((key) => key.startsWith('./'))
  .map((key) => key.slice(2));

/** The import graph of a tree given as `{ path: source }`. */
function graphOf(tree: Record<string, string>): ImportGraph {
  const files = Object.keys(tree).sort();
  return { files, edges: files.flatMap((file) => importsOf(file, tree[file]!)) };
}

/** Lift's policy without its pending entries, which name files these small trees do not have. */
const policyHere: BoundaryPolicy = { ...liftPolicy, pending: [] };

function check(tree: Record<string, string>, policy: BoundaryPolicy = policyHere): BoundaryViolation[] {
  return checkBoundaries(graphOf(tree), policy);
}

function rulesOf(violations: BoundaryViolation[]): string[] {
  return violations.map((violation) => violation.rule);
}

describe('reading imports', () => {
  it('sees every form that loads or names another file, with its line', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../storage/b.ts';",
      "export { c } from './c.ts';",
      "export type { D } from './d.ts';",
      'export async function load() {',
      "  return import('../sessions/e.ts');",
      '}',
      "let f: import('./f.ts').F;",
      "import 'pg';",
      "import g = require('./g.ts');",
    ].join('\n');
    const edges = importsOf('identity/x.ts', source).map(({ to, kind, line, external }) => ({
      to,
      kind,
      line,
      external,
    }));
    expect(edges).toEqual([
      { to: 'identity/a.ts', kind: 'import', line: 1, external: false },
      { to: 'storage/b.ts', kind: 'import type', line: 2, external: false },
      { to: 'identity/c.ts', kind: 'export from', line: 3, external: false },
      { to: 'identity/d.ts', kind: 'export type from', line: 4, external: false },
      { to: 'sessions/e.ts', kind: 'dynamic import', line: 6, external: false },
      { to: 'identity/f.ts', kind: 'type import()', line: 8, external: false },
      { to: 'pg', kind: 'import', line: 9, external: true },
      { to: 'identity/g.ts', kind: 'import', line: 10, external: false },
    ]);
  });

  it('ignores import-like text in strings and comments', () => {
    const source = "// import { x } from '../access/x.ts';\nconst s = \"import('../access/y.ts')\";\n";
    expect(importsOf('identity/x.ts', source)).toEqual([]);
  });

  it('matches policy patterns by path segment', () => {
    expect(patternToRegExp('*/**/sql-*.ts').test('identity/users/sql-user-store.ts')).toBe(true);
    expect(patternToRegExp('*/**/sql-*.ts').test('sessions/sql-session-store.ts')).toBe(true);
    expect(patternToRegExp('*/**/sql-*.ts').test('identity/users/user-store.ts')).toBe(false);
    expect(patternToRegExp('storage/sql/**').test('storage/sqlite.ts')).toBe(false);
  });
});

describe('rule: only a module’s index.ts is imported from another module', () => {
  it('refuses a deep import, a type-only one and a dynamic one', () => {
    const violations = check({
      'access/a.ts': "import { normalizeEmail } from '../identity/users/email.ts';",
      'tokens/b.ts': "import type { SessionRecord } from '../sessions/session-store.ts';",
      'cli/c.ts': "export async function run() { await import('../identity/bootstrap.ts'); }",
    });
    expect(rulesOf(violations)).toEqual(['module-internals', 'module-internals', 'module-internals']);
    expect(violations[0]!.message).toContain(
      "access/a.ts:1 reaches into identity/users/email.ts, inside 'identity'",
    );
  });

  it('lets a module import another’s index.ts, its own files and the kernel', () => {
    expect(
      check({
        'access/a.ts': "import { x } from '../identity/index.ts';\nimport { y } from './engine/y.ts';",
        'access/engine/y.ts': "import { LiftError } from '../../core/errors.ts';",
      }),
    ).toEqual([]);
  });

  it('lets the composition root import adapters.ts too, and nobody else', () => {
    const root = "import { a } from '../identity/adapters.ts';";
    expect(check({ 'app/root.ts': root })).toEqual([]);
    expect(rulesOf(check({ 'tokens/t.ts': root }))).toEqual(['module-internals']);
    expect(rulesOf(check({ 'app/root.ts': "import { m } from '../identity/module.ts';" }))).toEqual([
      'module-internals',
    ]);
  });

  it('holds the package entry point to faces too', () => {
    expect(rulesOf(check({ 'index.ts': "export { Identity } from './identity/identity.ts';" }))).toEqual([
      'module-internals',
    ]);
  });

  it('lets tests import internals', () => {
    expect(check({ 'access/a.test.ts': "import { x } from '../identity/users/email.ts';" })).toEqual([]);
  });
});

describe('rule: the kernel imports no module', () => {
  it('refuses core importing a domain module, even type-only', () => {
    const violations = check({
      'core/a.ts': "import { Identity } from '../identity/index.ts';",
      'core/b.ts': "import type { Identity } from '../identity/index.ts';",
    });
    expect(rulesOf(violations)).toEqual(['kernel-imports-module', 'kernel-imports-module']);
    expect(violations[0]!.message).toContain("core/a.ts:1: the kernel 'core' imports identity/index.ts");
  });

  it('allows only type-only names of the store ports', () => {
    expect(check({ 'core/a.ts': "import type { Broker } from '../storage/index.ts';" })).toEqual([]);
    expect(rulesOf(check({ 'core/a.ts': "import { createStorage } from '../storage/index.ts';" }))).toEqual([
      'kernel-imports-module',
    ]);
  });
});

describe('rule: the kernel files that run modules are the composition root’s', () => {
  it('refuses a module importing the module host or order, and lets app/ do it', () => {
    const tree = (from: string) => ({
      [from]:
        "import { ModuleHost } from '../core/module-host.ts';\nimport { sortModules } from '../core/module-order.ts';",
    });
    expect(rulesOf(check(tree('tokens/t.ts')))).toEqual(['root-only-kernel-file', 'root-only-kernel-file']);
    expect(check(tree('app/a.ts'))).toEqual([]);
  });
});

describe('rule: adapter packages only in adapter folders', () => {
  it('refuses ioredis, pg, kysely and better-sqlite3 (and their subpaths) in domain code', () => {
    const violations = check({
      'sessions/session-manager.ts': "import type { Redis } from 'ioredis';",
      'identity/users/user-store.ts': "import { sql } from 'kysely';",
      'tokens/keys.ts': "import pg from 'pg';\nimport Database from 'better-sqlite3';",
      'access/x.ts': "import { PostgresDialect } from 'kysely/dist/esm/index.js';",
    });
    expect(rulesOf(violations)).toEqual(Array(5).fill('adapter-package'));
    expect(violations.map((violation) => violation.message)).toContain(
      "sessions/session-manager.ts:1 imports the adapter package 'ioredis' outside an adapter folder (import type)",
    );
  });

  it('allows them in adapter files, never in the kernel', () => {
    expect(
      check({
        'storage/sql/postgres-database.ts': "import pg from 'pg';",
        'identity/users/sql-user-store.ts': "import { sql } from 'kysely';",
        'sessions/redis-session-store.ts': "import type { Redis } from 'ioredis';",
        'tokens/keys/signing-keys-table.ts': "import type { ColumnType } from 'kysely';",
        'access/migrations.ts': "import { sql } from 'kysely';",
      }),
    ).toEqual([]);
    expect(rulesOf(check({ 'core/sql-things.ts': "import { sql } from 'kysely';" }))).toEqual([
      'adapter-package',
    ]);
  });
});

describe('rule: no import cycles', () => {
  it('finds cycles with their path, one per strongly connected part', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a', 'd'])],
      ['d', new Set(['d'])],
      ['e', new Set(['a'])],
    ]);
    expect(findCycles(graph)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'd'],
    ]);
  });

  it('refuses modules that import each other, type-only included, naming a file per step', () => {
    const violations = check({
      'access/a.ts': "import type { Identity } from '../identity/index.ts';",
      'access/index.ts': "export { a } from './a.ts';",
      'identity/index.ts': "export { ROLES } from '../access/index.ts';",
    });
    expect(violations).toEqual([
      {
        rule: 'module-cycle',
        message:
          'modules import each other: access → identity → access ' +
          '(access/a.ts → identity/index.ts; identity/index.ts → access/index.ts)',
      },
    ]);
  });

  it('refuses files that load each other, and not files that only name each other’s types', () => {
    const violations = check({
      'tokens/a.ts': "import { b } from './b.ts';",
      'tokens/b.ts': "import { c } from './c.ts';",
      'tokens/c.ts': "import { a } from './a.ts';",
      'tokens/d.ts': "import type { E } from './e.ts';",
      'tokens/e.ts': "import { d } from './d.ts';",
    });
    expect(violations).toEqual([
      {
        rule: 'file-cycle',
        message: 'files import each other: tokens/a.ts → tokens/b.ts → tokens/c.ts → tokens/a.ts',
      },
    ]);
  });
});

describe('pending imports', () => {
  const pendingPolicy: BoundaryPolicy = {
    ...policyHere,
    pending: [{ from: 'storage/m.ts', to: 'access/r.ts', why: 'moves with per-module migrations' }],
  };

  it('tolerates a listed import', () => {
    expect(check({ 'storage/m.ts': "import { r } from '../access/r.ts';" }, pendingPolicy)).toEqual([]);
  });

  it('fails once the import is gone, so the entry is deleted', () => {
    expect(rulesOf(check({ 'storage/m.ts': '' }, pendingPolicy))).toEqual(['stale-pending']);
  });
});

describe('rule: apps import Lift only through its package entry and declared subpaths', () => {
  it('refuses a file of the package and an undeclared subpath, and allows the entry and declared subpaths', () => {
    const violations = checkAppImports(
      graphOf({
        'src/app.ts': [
          "import { createLift } from '@lift/server';",
          "import { Identity } from '../../../packages/server/src/identity/index.ts';",
          "import type { Tokens } from '@lift/server/src/tokens/index.ts';",
          "import { cors } from '@lift/server/http';",
          "import { notes } from './notes.ts';",
        ].join('\n'),
      }),
      '@lift/server',
      ['http'],
    );
    expect(violations.map((violation) => violation.message)).toEqual([
      "src/app.ts:2 imports ../../packages/server/src/identity/index.ts: an app imports Lift only as '@lift/server' or a declared subpath",
      "src/app.ts:3 imports @lift/server/src/tokens/index.ts: an app imports Lift only as '@lift/server' or a declared subpath",
    ]);
  });
});

describe('the server source tree', () => {
  it('keeps every boundary', () => {
    const violations = checkBoundaries(readImportGraph(SRC), liftPolicy);
    expect(violations.map((violation) => `${violation.rule}: ${violation.message}`)).toEqual([]);
  });

  it('has an index.ts face in every module folder', () => {
    const graph = readImportGraph(SRC);
    const missing = liftPolicy.modules.filter(
      (name) => name !== liftPolicy.kernel && !graph.files.includes(`${name}/index.ts`),
    );
    expect(missing).toEqual([]);
  });
});

describe('the example apps', () => {
  const apps = readdirSync(EXAMPLES, { withFileTypes: true }).filter((entry) => entry.isDirectory());

  it.each(apps.map((app) => app.name))('%s imports Lift only as @lift/server and its subpaths', (name) => {
    const graph = readImportGraph(join(EXAMPLES, name, 'src'));
    expect(checkAppImports(graph, '@lift/server', SUBPATHS).map((v) => v.message)).toEqual([]);
  });
});
