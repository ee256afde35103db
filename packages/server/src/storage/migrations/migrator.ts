import type { Kysely, Migration, Migrator } from 'kysely';
import { LiftConfigError } from '../../core/errors.ts';
import type {
  LiftMigration,
  MigrationInfo,
  MigrationRunResult,
  MigrationSet,
  SqlDatabase,
  SqlDialectName,
} from '../ports.ts';
import { kysely, sql } from '../sql/kysely-runtime.ts';
import { MigrationFailedError } from './migration-failed-error.ts';
import { LIFT_MIGRATION_SET } from './storage-migrations.ts';

const SET_NAME = /^[a-z][a-z0-9_]{0,40}$/;

/**
 * Applies every pending migration of each set, sets in the given order, migrations in name order. Each
 * migration runs on its own (in its own transaction where the dialect allows), so a failure leaves the ones
 * before it applied and throws `MigrationFailedError` naming the one that failed.
 */
export async function runMigrations(
  database: SqlDatabase,
  sets: MigrationSet[],
): Promise<MigrationRunResult> {
  assertValidSets(sets);
  const applied: string[] = [];
  for (const set of sets) {
    const migrator = await migratorFor(database, set, 'run');
    for (;;) {
      const { error, results = [] } = await migrator.migrateUp();
      for (const result of results) {
        if (result.status === 'Success') applied.push(`${set.name}/${result.migrationName}`);
      }
      if (error !== undefined) {
        const failed = results.find((result) => result.status === 'Error');
        throw new MigrationFailedError(
          failed ? `${set.name}/${failed.migrationName}` : set.name,
          applied,
          error,
        );
      }
      if (results.length === 0) break;
    }
  }
  return { applied };
}

/** Every migration of every set, with when it ran (null = pending). */
export async function migrationStatus(database: SqlDatabase, sets: MigrationSet[]): Promise<MigrationInfo[]> {
  assertValidSets(sets);
  const status: MigrationInfo[] = [];
  for (const set of sets) {
    const migrator = await migratorFor(database, set, 'status');
    for (const migration of await migrator.getMigrations()) {
      status.push({ set: set.name, name: migration.name, executedAt: migration.executedAt ?? null });
    }
  }
  return status;
}

/**
 * The `lift` set is shared: each module of the app contributes its steps, so it differs between apps on one
 * database (a subset of the modules, a module added later). For it, a step another app's modules ran is taken
 * as done rather than as a corrupted history, and a module added later runs its steps although later-named
 * ones have run. Every other set (a new module's own, an app's) keeps the strict rules.
 */
async function migratorFor(
  database: SqlDatabase,
  set: MigrationSet,
  use: 'run' | 'status',
): Promise<Migrator> {
  const db = database.db as unknown as Kysely<unknown>;
  const migrations: Record<string, Migration> = {};
  for (const migration of set.migrations) {
    migrations[migration.name] = toKyselyMigration(migration, database.dialect);
  }
  const schema = database.dialect === 'postgres' ? await currentSchema(db) : undefined;
  const shared = set.name === LIFT_MIGRATION_SET;
  const migrationTableName = `${set.name}_migrations`;
  if (shared && use === 'run') {
    for (const name of await executedNames(db, migrationTableName, schema)) {
      migrations[name] ??= ranElsewhere(set.name, name);
    }
  }
  return new (kysely().Migrator)({
    db: schema === undefined ? db : withSchemaScopedIntrospection(db, schema),
    provider: { getMigrations: async () => migrations },
    migrationTableName,
    migrationLockTableName: `${set.name}_migrations_lock`,
    allowUnorderedMigrations: shared,
    // Kysely looks for its tables in every schema unless told which one; with `?schema=` isolation another
    // schema's bookkeeping table would be mistaken for ours.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/** Names recorded in a bookkeeping table, or none when it does not exist yet. */
async function executedNames(
  db: Kysely<unknown>,
  table: string,
  schema: string | undefined,
): Promise<string[]> {
  const exists =
    schema === undefined
      ? await sql`select 1 from sqlite_master where type = 'table' and name = ${table}`.execute(db)
      : await sql`select 1 from information_schema.tables where table_schema = ${schema} and table_name = ${table}`.execute(
          db,
        );
  if (exists.rows.length === 0) return [];
  const from = schema === undefined ? sql.table(table) : sql.table(`${schema}.${table}`);
  const { rows } = await sql<{ name: string }>`select name from ${from}`.execute(db);
  return rows.map((row) => row.name);
}

/** A step of the shared set that this app's modules do not have; recorded as run, so never run here. */
function ranElsewhere(set: string, name: string): Migration {
  return {
    up: () => Promise.reject(new Error(`${set}/${name} belongs to a module this app does not have`)),
  };
}

function toKyselyMigration(migration: LiftMigration, dialect: SqlDialectName): Migration {
  // Kysely runs PostgreSQL migrations in a transaction; SQLite also has transactional DDL, but Kysely does
  // not use it, so a half-applied SQLite step is rolled back here.
  const inTransaction =
    (step: (db: Kysely<unknown>, dialect: SqlDialectName) => Promise<void>) => (db: Kysely<unknown>) =>
      dialect === 'sqlite' ? db.transaction().execute((trx) => step(trx, dialect)) : step(db, dialect);
  const down = migration.down?.bind(migration);
  return {
    up: inTransaction(migration.up.bind(migration)),
    ...(down ? { down: inTransaction(down) } : {}),
  };
}

/**
 * Kysely's migrator asks "does my table exist?" by introspecting every table of every schema, and on
 * PostgreSQL that query fails (`schema … does not exist`) when another process drops a schema meanwhile — as
 * parallel test files and per-tenant schemas do. This hands the migrator a view of the database whose
 * introspection lists only our own schema's tables; everything else is the real Kysely instance.
 */
function withSchemaScopedIntrospection(db: Kysely<unknown>, schema: string): Kysely<unknown> {
  const introspection = {
    async getTables() {
      const { rows } = await sql<{ name: string }>`
        select table_name as name from information_schema.tables where table_schema = ${schema}`.execute(db);
      return rows.map((row) => ({ name: row.name, schema, isView: false, columns: [] }));
    },
    getSchemas: () => db.introspection.getSchemas(),
    getMetadata: () => db.introspection.getMetadata(),
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value = Reflect.get(target, property, target) as unknown;
      // Kysely's methods use private fields, so they must run with the real instance as `this`.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function currentSchema(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new LiftConfigError('The PostgreSQL search_path names no existing schema.');
  return schema;
}

function assertValidSets(sets: MigrationSet[]): void {
  const seen = new Set<string>();
  for (const set of sets) {
    if (!SET_NAME.test(set.name)) {
      throw new LiftConfigError(
        `Migration set name "${set.name}" must match ${SET_NAME} (it names a table).`,
      );
    }
    if (seen.has(set.name)) throw new LiftConfigError(`Migration set "${set.name}" is given twice.`);
    seen.add(set.name);
    const names = new Set(set.migrations.map((migration) => migration.name));
    if (names.size !== set.migrations.length) {
      throw new LiftConfigError(`Migration set "${set.name}" has two migrations with the same name.`);
    }
  }
}
