import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../../test/support/services.ts';
import { openSqlDatabase } from './open-sql-database.ts';

describe('openSqlDatabase on SQLite', () => {
  const directory = mkdtempSync(join(tmpdir(), 'lift-open-sql-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('creates the parent directory and sets WAL, foreign keys and a busy timeout', async () => {
    const file = join(directory, 'nested', 'deeper', 'lift.db');
    const database = openSqlDatabase(`sqlite:${file}`, { poolSize: 10 });
    expect(database.dialect).toBe('sqlite');
    await database.ping();
    expect(existsSync(file)).toBe(true);
    const pragma = async (name: string) =>
      Object.values(
        (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(database.db)).rows[0] ?? {},
      )[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    await database.close();
    await expect(database.close()).resolves.toBeUndefined();
  });

  it('opens an in-memory database', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await expect(database.ping()).resolves.toBeUndefined();
    await database.close();
  });
});

describe('openSqlDatabase refuses URLs it cannot open', () => {
  it('names an unknown scheme without repeating the password', () => {
    const attempt = () => openSqlDatabase('mysql://admin:s3cret-pass@db.internal/app', { poolSize: 1 });
    expect(attempt).toThrow(expect.objectContaining({ code: 'LIFT_CONFIG_INVALID' }));
    expect(attempt).toThrow(/"mysql:"/);
    expect(attempt).not.toThrow(/s3cret/);
  });

  it('refuses a schema parameter that is not a plain identifier', () => {
    const attempt = () => openSqlDatabase('postgres://u:pw@127.0.0.1/test?schema=x;drop', { poolSize: 1 });
    expect(attempt).toThrow(expect.objectContaining({ code: 'LIFT_CONFIG_INVALID' }));
  });

  it('refuses sqlite: without a location', () => {
    expect(() => openSqlDatabase('sqlite:', { poolSize: 1 })).toThrow(/needs a file path/);
  });
});

const url = await postgresUrl();

describe.skipIf(!url)('openSqlDatabase on PostgreSQL', () => {
  it('creates the ?schema= schema and keeps every pool connection in it', async () => {
    const schema = await freshPostgresSchemaUrl('open');
    const database = openSqlDatabase(schema.url.replace(/^postgres:/, 'postgresql:'), { poolSize: 4 });
    expect(database.dialect).toBe('postgres');
    await database.ping();
    const schemas = await Promise.all(
      Array.from({ length: 8 }, () => sql<{ s: string }>`select current_schema() as s`.execute(database.db)),
    );
    expect(new Set(schemas.map((result) => result.rows[0]?.s))).toEqual(new Set([schema.schema]));
    await sql`create table probe (id int)`.execute(database.db);
    const outside = new pg.Client({ connectionString: url });
    await outside.connect();
    const found = await outside.query(
      'select table_schema from information_schema.tables where table_name = $1',
      ['probe'],
    );
    await outside.end();
    expect(found.rows.map((row: { table_schema: string }) => row.table_schema)).toEqual([schema.schema]);
    await database.close();
    await schema.drop();
  });
});
