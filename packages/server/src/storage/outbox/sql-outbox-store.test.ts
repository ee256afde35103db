import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onEverySqlDatabase } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { runMigrations } from '../migrations/migrator.ts';
import { openSqlDatabase } from '../sql/open-sql-database.ts';
import { outboxConformance } from './outbox-store.conformance.ts';
import { outboxMigrations } from './outbox-table.ts';
import { SqlOutboxStore } from './sql-outbox-store.ts';

await onEverySqlDatabase('SqlOutboxStore', 'outbox', (target) => {
  outboxConformance(`SqlOutboxStore on ${target.name}`, async () => {
    const { database, close } = await target.open();
    await runMigrations(database, [outboxMigrations]);
    const clock = new ManualClock(1_700_000_000_000);
    const origins: [string, string] = ['host:1', 'host:2'];
    return {
      stores: [
        new SqlOutboxStore(database, { clock, origin: origins[0] }),
        new SqlOutboxStore(database, { clock, origin: origins[1] }),
      ],
      origins,
      clock,
      close,
    };
  });
});

describe('SqlOutboxStore on SQLite', () => {
  it('wipes the payload of a completed job when asked (the sealed mail leaves the table)', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    try {
      await runMigrations(database, [outboxMigrations]);
      const store = new SqlOutboxStore(database, { clock: new ManualClock(1_700_000_000_000), origin: 'o' });
      await store.append([
        { kind: 'job', topic: 'mail', payload: 'sealed-1', dedupeKey: 'k1' },
        { kind: 'job', topic: 'mail', payload: 'sealed-2', dedupeKey: 'k2' },
      ]);
      const [first, second] = await store.claim({ kind: 'job', owner: 'A', limit: 2, leaseMs: 1_000 });
      await store.complete(first!.id, 'A', { wipe: true });
      await store.complete(second!.id, 'A');
      const rows = await database.db
        .selectFrom('lift_outbox')
        .select(['dedupe_key', 'payload'])
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { dedupe_key: 'k1', payload: '' },
        { dedupe_key: 'k2', payload: 'sealed-2' },
      ]);
    } finally {
      await database.close();
    }
  });

  it('tells by PRAGMA data_version whether another connection committed since the last look', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lift-outbox-')), 'lift.db');
    const clock = new ManualClock(1_700_000_000_000);
    const server = openSqlDatabase(`sqlite:${file}`, { poolSize: 1 });
    const cli = openSqlDatabase(`sqlite:${file}`, { poolSize: 1 });
    try {
      await runMigrations(server, [outboxMigrations]);
      const watching = new SqlOutboxStore(server, { clock, origin: 'server' });
      const writing = new SqlOutboxStore(cli, { clock, origin: 'cli' });
      await watching.othersMayHaveWritten();
      expect(await watching.othersMayHaveWritten()).toBe(false);
      await watching.append([{ kind: 'news', topic: 'own', payload: '', dedupeKey: '1' }]);
      expect(await watching.othersMayHaveWritten()).toBe(false);
      await writing.append([{ kind: 'news', topic: 'theirs', payload: '', dedupeKey: '2' }]);
      expect(await watching.othersMayHaveWritten()).toBe(true);
      expect(await watching.othersMayHaveWritten()).toBe(false);
    } finally {
      await server.close();
      await cli.close();
    }
  });
});
