/**
 * The boundary policy of `packages/server/src`: which folder is a module, what each may import from the others,
 * and every allowance with the reason it exists. `check-boundaries.ts` applies it; `boundaries.test.ts` runs it
 * in `npm test`. Paths and patterns are relative to `src/`; in a pattern `*` matches within one path segment and
 * `**` across segments.
 */

export interface Allowance {
  pattern: string;
  why: string;
}

/** An import the policy tolerates until the named work removes it; the check fails once the import is gone. */
export interface PendingImport {
  from: string;
  to: string;
  why: string;
}

export interface BoundaryPolicy {
  /** Top-level folders of `src/`, each one module. A file outside them is the package's entry point. */
  modules: readonly string[];
  /** The kernel: every module may import any of its files, and it imports no other module (see `kernelMay`). */
  kernel: string;
  /** Files of other modules the kernel may import, type-only; nothing else. */
  kernelMay: readonly Allowance[];
  /** Kernel files only the composition roots may import. */
  kernelForRoots: readonly Allowance[];
  /** Modules that compose the others: besides faces they may import `compositionFiles` of any module. */
  compositionRoots: readonly string[];
  compositionFiles: readonly Allowance[];
  /** Packages that tie code to one store technology. */
  adapterPackages: readonly string[];
  /** The only files that may import an adapter package. */
  adapterFiles: readonly Allowance[];
  /** Test code: may import any file (to test internals) and any package; still part of the cycle check. */
  testFiles: readonly Allowance[];
  pending: readonly PendingImport[];
}

export const liftPolicy: BoundaryPolicy = {
  modules: [
    'core',
    'http',
    'storage',
    'identity',
    'sessions',
    'tokens',
    'access',
    'limits',
    'signing',
    'realtime',
    'mail',
    'telemetry',
    'openapi',
    'cli',
    'app',
  ],
  kernel: 'core',
  kernelMay: [
    {
      pattern: 'storage/index.ts',
      why:
        'the module contract names the store ports it hands to modules (key-value, broker, migration sets, ' +
        'readiness checks); type-only, so the kernel never loads storage',
    },
  ],
  kernelForRoots: [
    {
      pattern: 'core/module-order.ts',
      why: 'modules are put in order by the composition root; a module that sorted or built others would wire by hand',
    },
    {
      pattern: 'core/module-host.ts',
      why: 'the same: building, starting and closing modules is the root’s job',
    },
    {
      pattern: 'core/process-watch.ts',
      why: 'process-wide handlers are installed once, by the app that listens, not by a module',
    },
  ],
  compositionRoots: ['app'],
  compositionFiles: [
    {
      pattern: '*/adapters.ts',
      why: 'shape factories build every port adapter; modules receive ports and never build adapters themselves',
    },
  ],
  adapterPackages: ['ioredis', 'pg', 'kysely', 'better-sqlite3'],
  adapterFiles: [
    {
      pattern: 'storage/sql/**',
      why: 'the SQL adapters: opening SQLite and PostgreSQL, the SQL key-value store',
    },
    { pattern: 'storage/redis/**', why: 'the Redis adapters: connection, key-value store, broker' },
    {
      pattern: 'storage/migrations/**',
      why: 'migrations are SQL by nature, written once for both dialects with the Kysely schema builder',
    },
    {
      pattern: 'storage/ports.ts',
      why:
        'the SQL port still hands out its Kysely instance and migrations receive one (`SqlDatabase.db`, ' +
        '`LiftMigration.up`); type-only',
    },
    {
      pattern: '*/**/migrations.ts',
      why: "a module's own migration set: SQL by nature, written with the Kysely schema builder for both dialects",
    },
    { pattern: '*/**/migrations/**', why: 'the same, for a module that keeps its migrations in a folder' },
    { pattern: '*/**/sql-*.ts', why: "a module's SQL adapter for one of its ports (`sql-user-store.ts`)" },
    {
      pattern: '*/**/redis-*.ts',
      why: "a module's Redis adapter for one of its ports (`redis-session-store.ts`)",
    },
    {
      pattern: '*/**/*-table.ts',
      why: "the row types of a module's own SQL table, merged into `LiftTables` for its SQL adapters",
    },
    { pattern: '*/**/*-tables.ts', why: 'the same, for a module that keeps several tables in one file' },
  ],
  testFiles: [
    { pattern: '**/*.test.ts', why: 'tests exercise internals and open real stores' },
    { pattern: '**/*.conformance.ts', why: 'a port conformance suite, run by each adapter test' },
    { pattern: '**/*.fixture.ts', why: 'data and builders shared by the tests of one folder' },
    { pattern: 'http/test-app.ts', why: 'the stand-in app and server the http middleware tests share' },
  ],
  pending: [],
};

/** `pattern` as a regular expression over a `src/`-relative POSIX path. */
export function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The first allowance whose pattern matches `path`, or undefined. */
export function allowanceFor(allowances: readonly Allowance[], path: string): Allowance | undefined {
  return allowances.find((allowance) => patternToRegExp(allowance.pattern).test(path));
}
