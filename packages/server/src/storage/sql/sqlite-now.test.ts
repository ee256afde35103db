import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../ports.ts';
import { sql } from './kysely-runtime.ts';
import { openSqlDatabase } from './open-sql-database.ts';

/** `SqlDatabase.sqlite` on a real SQLite file (WAL), the connection Kysely uses. */

const opened: Array<{ database: SqlDatabase; dir: string }> = [];
afterEach(async () => {
  for (const { database, dir } of opened.splice(0)) {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function fileDatabase(): Promise<SqlDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'lift-sqlite-now-'));
  const database = openSqlDatabase(`sqlite:${join(dir, 'app.db')}`, { poolSize: 1 });
  opened.push({ database, dir });
  await sql`create table t (k text primary key, n integer not null)`.execute(database.db);
  return database;
}

let reads = 0;
/** The connection's `synchronous` level now: a PRAGMA reads it when prepared, so each read is a new text. */
const synchronous = (database: SqlDatabase) =>
  (database.sqlite!.statement(`PRAGMA synchronous -- read ${++reads}`).get() as { synchronous: number })
    .synchronous;

describe('SqlDatabase.sqlite', () => {
  it('commits a transaction synchronously, seen by Kysely at once, and rolls back one that throws', async () => {
    const database = await fileDatabase();
    const now = database.sqlite!;
    const done = now.immediate(() => now.statement('insert into t (k, n) values (?, ?)').run('a', 1).changes);
    expect(done).toEqual({ value: 1 });
    expect(() =>
      now.immediate(() => {
        now.statement('insert into t (k, n) values (?, ?)').run('b', 2);
        throw new Error('no');
      }),
    ).toThrow('no');
    const rows = await database.db
      .selectFrom('t' as never)
      .selectAll()
      .execute();
    expect(rows).toEqual([{ k: 'a', n: 1 }]);
  });

  it('relaxes the disk sync for a transaction that need not be durable, and only for it', async () => {
    const database = await fileDatabase();
    const now = database.sqlite!;
    // SQLite's default, which Lift keeps for everything else.
    expect(synchronous(database)).toBe(2);
    const inside = now.immediate(() => synchronous(database), { durable: false });
    expect(inside).toEqual({ value: 1 });
    expect(synchronous(database)).toBe(2);
    expect(now.immediate(() => synchronous(database))).toEqual({ value: 2 });
    // Restored after a transaction that throws, too.
    expect(() =>
      now.immediate(
        () => {
          throw new Error('no');
        },
        { durable: false },
      ),
    ).toThrow('no');
    expect(synchronous(database)).toBe(2);
  });

  it('syncs every commit to disk on a reopened database too, not only on a new one', async () => {
    const first = await fileDatabase();
    expect(synchronous(first)).toBe(2);
    const { dir } = opened.find((entry) => entry.database === first)!;
    await first.close();
    const again = openSqlDatabase(`sqlite:${join(dir, 'app.db')}`, { poolSize: 1 });
    opened.unshift({ database: again, dir });
    await sql`select 1`.execute(again.db);
    expect(synchronous(again)).toBe(2);
  });

  it('runs nothing while a Kysely transaction is open on the connection', async () => {
    const database = await fileDatabase();
    let ran = false;
    await database.db.transaction().execute(async () => {
      expect(
        database.sqlite!.immediate(() => {
          ran = true;
        }),
      ).toBeUndefined();
    });
    expect(ran).toBe(false);
  });
});
