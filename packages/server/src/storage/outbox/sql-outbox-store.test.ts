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
