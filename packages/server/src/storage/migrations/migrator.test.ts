import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../../test/support/services.ts';
import { tableNames } from '../../../test/support/table-names.ts';
import type { MigrationSet, SqlDatabase } from '../ports.ts';
import { openSqlDatabase } from '../sql/open-sql-database.ts';
import { MigrationFailedError } from './migration-failed-error.ts';
import { migrationStatus, runMigrations } from './migrator.ts';
import { storageMigrations } from './storage-migrations.ts';

const createTable = (table: string) => async (db: Kysely<unknown>) => {
  await db.schema
    .createTable(table)
    .addColumn('id', 'text', (column) => column.primaryKey())
    .execute();
};

const notes: MigrationSet = {
  name: 'notes',
  migrations: [
    { name: '0001_create_notes', up: createTable('notes') },
    { name: '0002_create_tags', up: createTable('tags') },
  ],
};

const broken: MigrationSet = {
  name: 'broken',
  migrations: [
    { name: '0001_fine', up: createTable('fine') },
    {
      name: '0002_half_done',
      async up(db) {
        await createTable('half_done')(db);
        throw new Error('column "nope" does not exist');
      },
    },
    { name: '0003_never_reached', up: createTable('never_reached') },
  ],
};

const liftNames = storageMigrations.migrations.map((migration) => `lift/${migration.name}`);

function migratorBehaviour(open: () => Promise<{ database: SqlDatabase; close(): Promise<void> }>): void {
  it('applies every set in order, then nothing on a second run', async () => {
    const { database, close } = await open();
    const first = await runMigrations(database, [storageMigrations, notes]);
    expect(first.applied).toEqual([...liftNames, 'notes/0001_create_notes', 'notes/0002_create_tags']);
    expect(await tableNames(database)).toEqual(expect.arrayContaining(['lift_kv', 'notes', 'tags']));
    expect(await tableNames(database)).toEqual(
      expect.arrayContaining(['lift_migrations', 'notes_migrations']),
    );
    expect(await runMigrations(database, [storageMigrations, notes])).toEqual({ applied: [] });
    await close();
  });

  it('reports status per set, pending before and dated after', async () => {
    const { database, close } = await open();
    const before = await migrationStatus(database, [storageMigrations, notes]);
    expect(before).toEqual([
      ...storageMigrations.migrations.map((migration) => ({
        set: 'lift',
        name: migration.name,
        executedAt: null,
      })),
      { set: 'notes', name: '0001_create_notes', executedAt: null },
      { set: 'notes', name: '0002_create_tags', executedAt: null },
    ]);
    await runMigrations(database, [storageMigrations]);
    const after = await migrationStatus(database, [storageMigrations, notes]);
    const liftCount = storageMigrations.migrations.length;
    expect(after.slice(0, liftCount).every((entry) => entry.executedAt instanceof Date)).toBe(true);
    expect(after.slice(liftCount).map((entry) => entry.executedAt)).toEqual([null, null]);
    await close();
  });

  it('names the failing migration, keeps the earlier ones and rolls back the failed one', async () => {
    const { database, close } = await open();
    const failure = await runMigrations(database, [storageMigrations, broken]).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MigrationFailedError);
    const error = failure as MigrationFailedError;
    expect(error.code).toBe('LIFT_MIGRATION_FAILED');
    expect(error.migration).toBe('broken/0002_half_done');
    expect(error.message).toContain('broken/0002_half_done');
    expect(error.message).toContain('column "nope" does not exist');
    expect(error.applied).toEqual([...liftNames, 'broken/0001_fine']);
    const status = await migrationStatus(database, [broken]);
    expect(status.map((entry) => entry.executedAt !== null)).toEqual([true, false, false]);
    const tables = await tableNames(database);
    expect(tables).toContain('fine');
    expect(tables).not.toContain('half_done');
    expect(tables).not.toContain('never_reached');
    await close();
  });

  it('refuses set names that cannot name a table', async () => {
    const { database, close } = await open();
    const bad: MigrationSet = { name: 'Bad-Name; drop', migrations: [] };
    await expect(runMigrations(database, [bad])).rejects.toMatchObject({ code: 'LIFT_CONFIG_INVALID' });
    await close();
  });
}

describe('migrations on SQLite', () => {
  const directory = mkdtempSync(join(tmpdir(), 'lift-migrations-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  let files = 0;
  migratorBehaviour(async () => {
    const database = openSqlDatabase(`sqlite:${join(directory, `db-${++files}.sqlite`)}`, { poolSize: 1 });
    return { database, close: () => database.close() };
  });
});

const pgUrl = await postgresUrl();

describe.skipIf(!pgUrl)('migrations on PostgreSQL', () => {
  migratorBehaviour(async () => {
    const schema = await freshPostgresSchemaUrl('migrations');
    const database = openSqlDatabase(schema.url, { poolSize: 2 });
    return {
      database,
      close: async () => {
        await database.close();
        await schema.drop();
      },
    };
  });
});
