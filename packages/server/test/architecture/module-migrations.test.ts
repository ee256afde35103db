import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import type { LiftModule } from '../../src/core/module.ts';
import { identityModule } from '../../src/identity/module.ts';
import { limitsModule } from '../../src/limits/index.ts';
import { sessionsModule } from '../../src/sessions/module.ts';
import { runMigrations } from '../../src/storage/migrations/migrator.ts';
import type { SqlDatabase } from '../../src/storage/ports.ts';
import { openSqlDatabase } from '../../src/storage/sql/open-sql-database.ts';
import { legacyLiftMigrations } from '../fixtures/legacy-lift-migrations.ts';
import { FAST_PASSWORDS } from '../support/auth-app.ts';
import { freshPostgresSchemaUrl, postgresUrl } from '../support/services.ts';
import { tableNames } from '../support/table-names.ts';

/**
 * Each module owns its migrations (`<module>/migrations.ts`), contributed to the historical `lift` set by name:
 * an app creates the tables of the modules it has, a database migrated by the one old set upgrades without
 * re-running anything, and a module added later brings its tables.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SESSIONS_AND_IDENTITY = ['sessions', 'limits', 'identity'];

function appOn(url: string, modules?: LiftModule[]): LiftApp {
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-module-migrations-'));
  dirs.push(dataDir);
  const withIdentity = modules === undefined || modules.some((m) => m.name === 'identity');
  return createLift(
    {
      env: 'test',
      dataDir,
      log: { level: 'silent' },
      storage: { url },
      mail: { url: 'memory:' },
      ...(withIdentity ? { passwords: FAST_PASSWORDS } : {}),
    },
    modules === undefined ? {} : { modules },
  );
}

function subset(names: readonly string[]): LiftModule[] {
  const all: Record<string, () => LiftModule> = {
    sessions: sessionsModule,
    limits: limitsModule,
    identity: () => identityModule(),
  };
  return names.map((name) => all[name]!());
}

/** This database's tables (on PostgreSQL, the app's own schema only), bookkeeping left out. */
async function tables(database: SqlDatabase): Promise<string[]> {
  const db = database.db as unknown as Kysely<unknown>;
  const query =
    database.dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table'`
      : sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema()`;
  const { rows } = await query.execute(db);
  return rows
    .map((row) => row.name)
    .filter((name) => name.startsWith('lift_') && !/_migrations(_lock)?$/.test(name))
    .sort();
}

async function columns(database: SqlDatabase, table: string): Promise<string[]> {
  const db = database.db as unknown as Kysely<unknown>;
  const query =
    database.dialect === 'sqlite'
      ? sql<{ name: string }>`select name from pragma_table_info(${table})`
      : sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}`;
  return (await query.execute(db)).rows.map((row) => row.name);
}

/** Runs `body` against a fresh database of each dialect that runs here. */
function onEachDatabase(
  body: (open: () => Promise<{ url: string; close(): Promise<void> }>) => Promise<void>,
): void {
  it('on SQLite', async () => {
    await body(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lift-module-migrations-db-'));
      dirs.push(dir);
      return { url: `sqlite:${join(dir, 'lift.db')}`, close: async () => {} };
    });
  });
  it('on PostgreSQL', async (context) => {
    if ((await postgresUrl()) === undefined) {
      console.log('skipped: LIFT_TEST_POSTGRES_URL is not set');
      context.skip();
    }
    await body(async () => {
      const fresh = await freshPostgresSchemaUrl('module_migrations');
      return { url: fresh.url, close: () => fresh.drop() };
    });
  });
}

describe('an app with a subset of modules', () => {
  onEachDatabase(async (open) => {
    const { url, close } = await open();
    const app = appOn(url, subset(SESSIONS_AND_IDENTITY));
    try {
      await app.start({ bootstrapAdmin: false });
      // The storage layer's own (key-value, outbox) and the three modules' tables, nothing of tokens or access.
      expect(await tables(app.storage.sql)).toEqual([
        'lift_email_tokens',
        'lift_kv',
        'lift_mfa_factors',
        // The storage layer's own outbox (storage/outbox/), in every app whatever its modules.
        'lift_outbox',
        // The limits module's: identity's attempt throttles are its policies.
        'lift_rate_limits',
        'lift_sessions',
        'lift_users',
      ]);
      // The active tenant column is the sessions module's own, access or not.
      expect(await columns(app.storage.sql, 'lift_sessions')).toContain('tenant_id');
    } finally {
      await app.close();
      await close();
    }
  });
});

describe('a database migrated by the one old set', () => {
  onEachDatabase(async (open) => {
    const { url, close } = await open();
    const legacy = openSqlDatabase(url, { poolSize: 1 });
    try {
      const before = await runMigrations(legacy, [legacyLiftMigrations]);
      expect(before.applied).toHaveLength(10);
      await legacy.db
        .insertInto('lift_users')
        .values({
          id: 'u1',
          email: 'ada@example.com',
          email_normalized: 'ada@example.com',
          status: 'active',
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      const tablesBefore = await tables(legacy);

      // A subset app first: the steps of modules it lacks count as done, nothing fails.
      const partial = appOn(url, subset(SESSIONS_AND_IDENTITY));
      const partialRun = await partial.migrate();
      await partial.close();
      // The only new steps: the sessions module's own tenant_id step, which finds the column there, and the
      // outbox the storage layer and the rate-limit table the limits module added since.
      expect(partialRun.applied).toEqual([
        'lift/0008_sessions_active_tenant',
        'limits/0001_create_rate_limits',
        'lift_outbox/0001_create_outbox',
      ]);

      const full = appOn(url);
      try {
        expect(await full.migrate()).toEqual({ applied: [] });
        const status = await full.storage.migrationStatus();
        expect(status.filter((m) => m.executedAt === null)).toEqual([]);
        expect(status.filter((m) => m.set === 'lift').map((m) => m.name)).toEqual([
          ...legacyLiftMigrations.migrations.map((m) => m.name).slice(0, 8),
          '0008_sessions_active_tenant',
          ...legacyLiftMigrations.migrations.map((m) => m.name).slice(8),
        ]);
        expect(await tables(full.storage.sql)).toEqual(
          [...tablesBefore, 'lift_outbox', 'lift_rate_limits'].sort(),
        );
        const users = await full.storage.sql.db.selectFrom('lift_users').select('id').execute();
        expect(users).toEqual([{ id: 'u1' }]);
      } finally {
        await full.close();
      }
    } finally {
      await legacy.close();
      await close();
    }
  });
});

describe('a module added to an app later', () => {
  onEachDatabase(async (open) => {
    const { url, close } = await open();
    const partial = appOn(url, subset(SESSIONS_AND_IDENTITY));
    const full = appOn(url);
    try {
      await partial.migrate();
      // tokens and access arrive with steps named before ones already run (0005 < 0008_sessions_active_tenant).
      const { applied } = await full.migrate();
      expect(applied).toEqual([
        'lift/0005_create_system_roles',
        'lift/0006_create_tokens',
        'lift/0007_create_access',
        'lift/0008_default_roles',
        'lift/0009_create_token_revocations',
        'lift/0010_tenant_owner_holds_every_permission',
      ]);
      expect(await tables(full.storage.sql)).toEqual(
        expect.arrayContaining(['lift_signing_keys', 'lift_tenants', 'lift_roles', 'lift_token_revocations']),
      );
      const roles = await full.storage.sql.db.selectFrom('lift_roles').select('name').execute();
      expect(roles.map((role) => role.name)).toContain('owner');
    } finally {
      await partial.close();
      await full.close();
      await close();
    }
  });
});

describe('a new module with its own migration set', () => {
  const audit: LiftModule = {
    name: 'audit',
    migrations: {
      name: 'audit',
      migrations: [
        {
          name: '0001_create_audit_log',
          async up(db) {
            await db.schema
              .createTable('lift_audit_log')
              .addColumn('id', 'text', (column) => column.primaryKey())
              .execute();
          },
        },
      ],
    },
    build: () => ({ face: {} }),
  };

  it("keeps its own bookkeeping, and stops the start while its steps are pending, as Lift's do", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lift-module-migrations-db-'));
    dirs.push(dir);
    const url = `sqlite:${join(dir, 'lift.db')}`;
    const manual = (modules: LiftModule[]) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'lift-module-migrations-'));
      dirs.push(dataDir);
      return createLift(
        { env: 'test', dataDir, log: { level: 'silent' }, storage: { url, migrate: 'manual' } },
        { modules },
      );
    };
    const first = manual([]);
    await first.migrate();
    await first.start();
    await first.close();

    const withAudit = manual([audit]);
    await expect(withAudit.start()).rejects.toMatchObject({
      code: 'LIFT_MIGRATIONS_PENDING',
      pending: ['audit/0001_create_audit_log'],
    });
    await withAudit.close();

    const migrated = manual([audit]);
    try {
      expect(await migrated.migrate()).toEqual({ applied: ['audit/0001_create_audit_log'] });
      await migrated.start();
      const names = await tableNames(migrated.storage.sql);
      expect(names).toEqual(
        expect.arrayContaining(['lift_audit_log', 'audit_migrations', 'lift_migrations']),
      );
    } finally {
      await migrated.close();
    }
  });
});
