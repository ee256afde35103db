import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../../test/support/services.ts';
import { systemClock } from '../../core/clock.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { runMigrations } from '../migrations/migrator.ts';
import type { SqlDatabase } from '../ports.ts';
import { openSqlDatabase } from '../sql/open-sql-database.ts';
import { ChangeFeedBroker } from './change-feed.ts';
import { outboxMigrations } from './outbox-table.ts';
import { SqlOutboxStore } from './sql-outbox-store.ts';

/** Two processes on one database, each with its own connection, memory broker and change feed. */
interface Pair {
  feeds: [ChangeFeedBroker, ChangeFeedBroker];
  /** A third process, started now. */
  another(): Promise<ChangeFeedBroker>;
  close(): Promise<void>;
}

const open: Pair[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((pair) => pair.close()));
});

async function pairOn(url: string, drop: () => Promise<void> = async () => {}): Promise<Pair> {
  const databases: SqlDatabase[] = [
    openSqlDatabase(url, { poolSize: 2 }),
    openSqlDatabase(url, { poolSize: 2 }),
  ];
  await runMigrations(databases[0]!, [outboxMigrations]);
  const log = pino({ level: 'silent' });
  const feedOn = (database: SqlDatabase, origin: string) => {
    const store = new SqlOutboxStore(database, { clock: systemClock, origin });
    return new ChangeFeedBroker(new MemoryBroker(), {
      store,
      clock: systemClock,
      log,
      origin,
      pollMs: 50,
      windowMs: 10_000,
    });
  };
  const feeds = databases.map((database, index) => feedOn(database, `process-${index}`)) as [
    ChangeFeedBroker,
    ChangeFeedBroker,
  ];
  for (const feed of feeds) await feed.start();
  const all: ChangeFeedBroker[] = [...feeds];
  const pair = {
    feeds,
    async another() {
      const database = openSqlDatabase(url, { poolSize: 2 });
      databases.push(database);
      const feed = feedOn(database, `process-${databases.length - 1}`);
      all.push(feed);
      await feed.start();
      return feed;
    },
    async close() {
      for (const feed of all) await feed.close();
      for (const database of databases) await database.close();
      await drop();
    },
  };
  open.push(pair);
  return pair;
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const targets: Array<{ name: string; open(): Promise<Pair> }> = [
  {
    name: 'SQLite file, two connections',
    open: () => pairOn(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'lift-feed-')), 'lift.db')}`),
  },
];
if ((await postgresUrl()) !== undefined) {
  targets.push({
    name: 'PostgreSQL',
    async open() {
      const schema = await freshPostgresSchemaUrl('feed');
      return pairOn(schema.url, () => schema.drop());
    },
  });
}

describe.each(targets)('ChangeFeedBroker on $name', (target) => {
  it("delivers another process's publication once, and a process's own only through its memory broker", async () => {
    const { feeds } = await target.open();
    const heard: string[][] = [[], []];
    for (const [index, feed] of feeds.entries()) {
      await feed.subscribe('lift:keys', (message) => heard[index]!.push(message));
    }
    await feeds[0].publish('lift:keys', '{"kid":"k2"}');
    expect(heard[0]).toEqual(['{"kid":"k2"}']);
    await until(() => heard[1]!.length === 1);
    // Several more polls: nothing is delivered twice, and the writer does not hear its own news again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard).toEqual([['{"kid":"k2"}'], ['{"kid":"k2"}']]);
    expect(feeds[1].stats.received).toBe(1);
    expect(feeds[0].stats.received).toBe(0);
  });

  it('does not replay news written before a process started, and delivers what comes after', async () => {
    const pair = await target.open();
    await pair.feeds[0].publish('lift:access', 'old');
    await until(() => pair.feeds[1].stats.received === 1);
    const late = await pair.another();
    const heard: string[] = [];
    await late.subscribe('lift:access', (message) => heard.push(message));
    await pair.feeds[0].publish('lift:access', 'new');
    await until(() => heard.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual(['new']);
  });
});

describe('ChangeFeedBroker on SQLite', () => {
  it('skips the query while no other connection committed (PRAGMA data_version)', async () => {
    const { feeds } = await targets[0]!.open();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { queries, skipped } = feeds[1].stats;
    expect(skipped).toBeGreaterThan(2);
    await feeds[0].publish('lift:sessions', 'x');
    await until(() => feeds[1].stats.queries > queries);
  });
});
