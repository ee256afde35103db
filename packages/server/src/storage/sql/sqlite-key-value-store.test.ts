import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { kvConformance } from '../kv.conformance.ts';
import { runMigrations } from '../migrations/migrator.ts';
import { storageMigrations } from '../migrations/storage-migrations.ts';
import { openSqlDatabase } from './open-sql-database.ts';
import { SqlKeyValueStore } from './sql-key-value-store.ts';

const directory = mkdtempSync(join(tmpdir(), 'lift-sqlite-kv-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

kvConformance('sql on SQLite', async () => {
  const database = openSqlDatabase(`sqlite:${join(directory, 'conformance.db')}`, { poolSize: 1 });
  await runMigrations(database, [storageMigrations]);
  const clock = new ManualClock();
  const store = new SqlKeyValueStore(database, { clock });
  return {
    store,
    exactTime: true,
    elapse: async (ms) => clock.advance(ms),
    close: async () => {
      await store.close();
      await database.close();
    },
  };
});

describe('SqlKeyValueStore on SQLite', () => {
  it('purges expired rows and keeps live ones', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await runMigrations(database, [storageMigrations]);
    const clock = new ManualClock();
    const store = new SqlKeyValueStore(database, { clock, purgeIntervalMs: 0 });
    await store.set('old', 'x', { ttlMs: 100 });
    await store.set('young', 'y', { ttlMs: 10_000 });
    await store.set('forever', 'z');
    clock.advance(500);
    expect(await store.purgeExpired()).toBe(1);
    const rows = await database.db.selectFrom('lift_kv').select('key').orderBy('key').execute();
    expect(rows.map((row) => row.key)).toEqual(['forever', 'young']);
    await store.close();
    await database.close();
  });
});
