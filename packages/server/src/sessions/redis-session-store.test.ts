import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlEventRows } from '../../test/support/event-rows.ts';
import {
  redisUrl,
  startRedisServer,
  type TestRedisServer,
  uniqueRedisPrefix,
} from '../../test/support/services.ts';
import { migratedSqlTargets, onEverySqlDatabase } from '../../test/support/stores.ts';
import { liftMigrations } from '../app/lift-migrations.ts';
import { ManualClock } from '../core/clock.ts';
import { runMigrations } from '../storage/migrations/migrator.ts';
import type { SqlDatabase } from '../storage/ports.ts';
import { openRedisConnection } from '../storage/redis/redis-connection.ts';
import { openSqlDatabase } from '../storage/sql/open-sql-database.ts';
import { RedisSessionStore } from './redis-session-store.ts';
import { sessionRecord, sessionStoreConformance } from './session-store.conformance.ts';
import type { SessionRecord } from './session-store.ts';
import { SqlSessionStore } from './sql-session-store.ts';

const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

const url = await redisUrl();

/** SQLite in memory with Lift's migrations, for the tests that need no particular database. */
const sqlite = (await migratedSqlTargets('redis_sessions_sqlite')).find(
  (target) => target.name === 'SQLite',
)!;

async function migrated(location: string): Promise<SqlDatabase> {
  const database = openSqlDatabase(location, { poolSize: 3 });
  await runMigrations(database, [liftMigrations]);
  return database;
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Polls until `check` holds; bounded, for things that happen when a connection comes back. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The same database seen through a Kysely plugin. */
function withPlugin(database: SqlDatabase, plugin: KyselyPlugin): SqlDatabase {
  return {
    dialect: database.dialect,
    db: database.db.withPlugin(plugin),
    ping: () => database.ping(),
    close: () => database.close(),
  };
}

/** The same database, counting the SQL statements sent through this view of it. */
function countingQueries(database: SqlDatabase): { database: SqlDatabase; count: () => number } {
  let count = 0;
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      count++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { database: withPlugin(database, plugin), count: () => count };
}

async function readyClient(redisUrlToUse: string): Promise<Redis> {
  const connection = openRedisConnection(redisUrlToUse);
  await connection.ready(5_000);
  return connection.client;
}

await onEverySqlDatabase('RedisSessionStore', 'redis_sessions', (target) => {
  describe.skipIf(!url)(`RedisSessionStore on Redis + ${target.name}`, () => {
    sessionStoreConformance(`redis + ${target.name.toLowerCase()}`, async (clock) => {
      const { database, close } = await target.open();
      const events = await sqlEventRows(database);
      const prefix = uniqueRedisPrefix('sessions');
      const store = new RedisSessionStore(database, {
        redis: url!,
        prefix,
        clock,
        eventRows: events.eventRows,
      });
      return {
        store,
        events,
        async close() {
          await store.close();
          await close();
          const admin = await readyClient(url!);
          await deleteKeys(admin, prefix);
          await admin.quit();
        },
      };
    });
  });
});

describe.skipIf(!url)('RedisSessionStore keys on a shared Redis', () => {
  let admin: Redis;
  let client: Redis;
  let database: SqlDatabase;
  let closeDatabase: () => Promise<void>;
  let prefix: string;
  let clock: ManualClock;
  let store: RedisSessionStore;

  beforeAll(async () => {
    admin = await readyClient(url!);
    client = await readyClient(url!);
  });
  afterAll(async () => {
    await admin?.quit();
    await client?.quit();
  });

  async function fresh(): Promise<void> {
    ({ database, close: closeDatabase } = await sqlite.open());
    prefix = uniqueRedisPrefix('session-keys');
    clock = new ManualClock(START);
    store = new RedisSessionStore(database, { redis: client, prefix, clock });
  }
  async function finish(): Promise<void> {
    await store.close();
    await closeDatabase();
    await deleteKeys(admin, prefix);
  }
  const cachedRecord = async (record: SessionRecord) => {
    const json = await admin.get(`${prefix}sess:t:${record.tokenHash}`);
    return json === null ? null : (JSON.parse(json) as SessionRecord);
  };

  it('writes through with a lifetime ending at the earlier expiry, and touch rewrites it', async () => {
    await fresh();
    const record = sessionRecord({ idleExpiresAt: START + 30 * MINUTE });
    await store.create(record);
    expect(await cachedRecord(record)).toEqual(record);
    expect(await admin.get(`${prefix}sess:i:${record.id}`)).toBe(record.tokenHash);
    expect(await admin.smembers(`${prefix}sess:u:${record.userId}`)).toEqual([record.id]);
    const ttl = await admin.pttl(`${prefix}sess:t:${record.tokenHash}`);
    expect(ttl).toBeGreaterThan(30 * MINUTE - 5_000);
    expect(ttl).toBeLessThanOrEqual(30 * MINUTE);

    const capped = sessionRecord({
      idleExpiresAt: START + 30 * MINUTE,
      absoluteExpiresAt: START + 5 * MINUTE,
    });
    await store.create(capped);
    expect(await admin.pttl(`${prefix}sess:t:${capped.tokenHash}`)).toBeLessThanOrEqual(5 * MINUTE);

    clock.advance(10 * MINUTE);
    await store.touch(record.id, START + 10 * MINUTE, START + 50 * MINUTE);
    expect(await cachedRecord(record)).toEqual({
      ...record,
      lastSeenAt: START + 10 * MINUTE,
      idleExpiresAt: START + 50 * MINUTE,
    });
    expect(await admin.pttl(`${prefix}sess:t:${record.tokenHash}`)).toBeGreaterThan(35 * MINUTE);

    // Touched into the past (by this store's clock): the copy goes, SQL still answers.
    await store.touch(capped.id, START + 10 * MINUTE, START + 5 * MINUTE);
    expect(await cachedRecord(capped)).toBeNull();
    expect(await store.findByTokenHash(capped.tokenHash)).toMatchObject({
      idleExpiresAt: START + 5 * MINUTE,
    });
    await finish();
  });

  it('does not cache a record that has already expired, but still finds it in SQL', async () => {
    await fresh();
    const expired = sessionRecord({ idleExpiresAt: START - 1 });
    await store.create(expired);
    expect(await admin.exists(`${prefix}sess:t:${expired.tokenHash}`, `${prefix}sess:i:${expired.id}`)).toBe(
      0,
    );
    expect(await store.findByTokenHash(expired.tokenHash)).toEqual(expired);
    expect(await admin.exists(`${prefix}sess:t:${expired.tokenHash}`)).toBe(0);
    await finish();
  });

  it('delete leaves a revoked marker; deleteByUser also removes copies SQL no longer knows of', async () => {
    await fresh();
    const [one, two, kept] = [sessionRecord(), sessionRecord(), sessionRecord()];
    for (const record of [one!, two!, kept!]) await store.create(record);
    await store.delete(one!.id);
    expect(await cachedRecord(one!)).toBeNull();
    expect(await admin.exists(`${prefix}sess:i:${one!.id}`)).toBe(0);
    expect(await admin.pttl(`${prefix}sess:x:${one!.id}`)).toBeGreaterThan(50_000);

    // Another process removed the row but could not reach Redis: the copy still answers…
    await database.db.deleteFrom('lift_sessions').where('id', '=', two!.id).execute();
    expect(await store.findByTokenHash(two!.tokenHash)).toEqual(two);
    // …until "log out everywhere", which sweeps the user's Redis set as well.
    expect(await store.deleteByUser(one!.userId, { exceptId: kept!.id })).toEqual([]);
    expect(await cachedRecord(two!)).toBeNull();
    expect(await store.findByTokenHash(two!.tokenHash)).toBeNull();
    expect(await cachedRecord(kept!)).toEqual(kept);
    await finish();
  });

  it('treats a value it did not write as a miss and replaces it from SQL', async () => {
    await fresh();
    const record = sessionRecord();
    await store.create(record);
    await admin.set(`${prefix}sess:t:${record.tokenHash}`, '{"id":42}');
    expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
    expect(await cachedRecord(record)).toEqual(record);
    await finish();
  });

  it('close() leaves a client it was given open', async () => {
    await fresh();
    await finish();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
  });

  it('a read racing a delete cannot put the deleted session back', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lift-session-race-'));
    const location = `sqlite:${join(directory, 'lift.db')}`;
    const writerDatabase = await migrated(location);
    const readerBase = openSqlDatabase(location, { poolSize: 1 });
    // The reader's SQL results wait at a gate, so its read lands before the delete and its cache write after.
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const atGate = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let holding = false;
    const gated: KyselyPlugin = {
      transformQuery: (args) => args.node,
      async transformResult(args) {
        if (holding) {
          arrived();
          await gate;
        }
        return args.result;
      },
    };
    const readerDatabase = withPlugin(readerBase, gated);
    const racePrefix = uniqueRedisPrefix('session-race');
    const raceClock = new ManualClock(START);
    const reader = new RedisSessionStore(readerDatabase, {
      redis: client,
      prefix: racePrefix,
      clock: raceClock,
    });
    const writer = new RedisSessionStore(writerDatabase, {
      redis: client,
      prefix: racePrefix,
      clock: raceClock,
    });

    const record = sessionRecord();
    await writer.create(record);
    await admin.del(`${racePrefix}sess:t:${record.tokenHash}`);
    holding = true;
    const read = reader.findByTokenHash(record.tokenHash);
    await atGate;
    holding = false;
    expect(await writer.delete(record.id)).toEqual(record);
    release();
    // The read began before the delete, so it may answer with the record; it must not cache it.
    expect(await read).toEqual(record);
    expect(await admin.get(`${racePrefix}sess:t:${record.tokenHash}`)).toBeNull();
    expect(await reader.findByTokenHash(record.tokenHash)).toBeNull();

    await Promise.all([reader.close(), writer.close()]);
    await Promise.all([readerBase.close(), writerDatabase.close()]);
    await deleteKeys(admin, racePrefix);
    rmSync(directory, { recursive: true, force: true });
  });
});

// A private redis-server that these tests stop, restart and count commands on; the shared one is never touched.
describe('RedisSessionStore with a Redis that goes away', () => {
  let server: TestRedisServer;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    admin.on('error', () => {});
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  const cachedRecord = async (record: SessionRecord, prefix = 'lift:') => {
    const json = await admin.get(`${prefix}sess:t:${record.tokenHash}`);
    return json === null ? null : (JSON.parse(json) as SessionRecord);
  };

  it('a cache hit is exactly one GET and no SQL; a miss reads SQL once and caches', async () => {
    const base = await sqlite.open();
    const { database, count } = countingQueries(base.database);
    const client = await readyClient(server.url);
    const store = new RedisSessionStore(database, { redis: client, clock: new ManualClock(START) });
    const cached = sessionRecord();
    const sqlOnly = sessionRecord();
    await store.create(cached);
    await new SqlSessionStore(base.database).create(sqlOnly);

    const commandCounts = async () => {
      const counts = new Map<string, number>();
      for (const match of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        if (match[1] !== 'info') counts.set(match[1]!, Number(match[2]));
      }
      return counts;
    };
    const commandsDuring = async (work: () => Promise<unknown>) => {
      const before = await commandCounts();
      await work();
      const after = await commandCounts();
      const delta: Record<string, number> = {};
      for (const [name, calls] of after) {
        if (calls !== (before.get(name) ?? 0)) delta[name] = calls - (before.get(name) ?? 0);
      }
      return delta;
    };

    let sqlBefore = count();
    expect(
      await commandsDuring(async () => expect(await store.findByTokenHash(cached.tokenHash)).toEqual(cached)),
    ).toEqual({
      get: 1,
    });
    expect(count() - sqlBefore).toBe(0);

    // A miss: GET, one SQL read, then the caching script (commandstats also counts the commands it runs).
    sqlBefore = count();
    expect(
      await commandsDuring(async () =>
        expect(await store.findByTokenHash(sqlOnly.tokenHash)).toEqual(sqlOnly),
      ),
    ).toMatchObject({
      get: 1,
      eval: 1,
    });
    expect(count() - sqlBefore).toBe(1);
    expect(await cachedRecord(sqlOnly)).toEqual(sqlOnly);

    sqlBefore = count();
    expect(await commandsDuring(() => store.findByTokenHash(sqlOnly.tokenHash))).toEqual({ get: 1 });
    expect(count() - sqlBefore).toBe(0);

    await store.close();
    client.disconnect();
    await base.close();
  });

  it('loses no session when Redis restarts empty, and puts each back in Redis when it is read', async () => {
    const { database, close: closeDatabase } = await sqlite.open();
    const connection = openRedisConnection(server.url);
    await connection.ready(5_000);
    const store = new RedisSessionStore(database, {
      redis: connection.client,
      clock: new ManualClock(START),
    });
    const records = [
      sessionRecord({ amr: ['pwd', 'otp'] }),
      sessionRecord({ ip: null, userAgent: null }),
      sessionRecord({ userId: 'user-grace' }),
    ];
    for (const record of records) await store.create(record);
    for (const record of records) expect(await cachedRecord(record)).toEqual(record);

    await server.restart();
    await connection.ready(5_000);
    await eventually(
      async () => (await admin.dbsize().catch(() => -1)) === 0 && admin.status === 'ready',
      'admin reconnect',
    );
    for (const record of records) expect(await cachedRecord(record)).toBeNull();

    for (const record of records) expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
    for (const record of records) {
      expect(await cachedRecord(record)).toEqual(record);
      expect(await admin.get(`lift:sess:i:${record.id}`)).toBe(record.tokenHash);
      expect(await admin.pttl(`lift:sess:t:${record.tokenHash}`)).toBeGreaterThan(0);
    }
    expect((await admin.smembers('lift:sess:u:user-ada')).sort()).toEqual(
      [records[0]!.id, records[1]!.id].sort(),
    );
    expect(await store.listByUser('user-ada')).toHaveLength(2);
    expect(await store.deleteByUser('user-ada')).toHaveLength(2);
    expect(await cachedRecord(records[0]!)).toBeNull();

    await store.close();
    await connection.close();
    await closeDatabase();
    await admin.flushall();
  });

  it('answers from SQL while Redis is stopped, quickly, and logs no token hash', async () => {
    const { database, close: closeDatabase } = await sqlite.open();
    const warnings: unknown[] = [];
    const prefix = uniqueRedisPrefix('stopped');
    // The store's own connection, as configured in production.
    const store = new RedisSessionStore(database, {
      redis: server.url,
      prefix,
      clock: new ManualClock(START),
      log: { warn: (...args: unknown[]) => warnings.push(args) },
    });
    const record = sessionRecord();
    const other = sessionRecord();
    await store.create(record);
    await store.create(other);
    expect(await cachedRecord(record, prefix)).toEqual(record);

    await server.stop();
    try {
      const started = Date.now();
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
      expect(await store.findById(record.id)).toEqual(record);
      expect(Date.now() - started).toBeLessThan(2_500);
      await store.touch(record.id, START + MINUTE, START + 31 * MINUTE);
      expect(await store.findByTokenHash(record.tokenHash)).toMatchObject({ lastSeenAt: START + MINUTE });
      expect(await store.delete(other.id)).toEqual(other);
      expect(await store.findByTokenHash(other.tokenHash)).toBeNull();
      const late = sessionRecord();
      await store.create(late);
      expect(await store.findByTokenHash(late.tokenHash)).toEqual(late);
    } finally {
      await server.restart();
    }
    expect(warnings.length).toBeGreaterThan(0);
    const logged = JSON.stringify(warnings);
    for (const secret of [record.tokenHash, other.tokenHash, prefix]) expect(logged).not.toContain(secret);

    await store.close();
    await closeDatabase();
  });

  it('removes copies it could not invalidate during a partition before reading Redis again', async () => {
    const { database, close: closeDatabase } = await sqlite.open();
    const client = await readyClient(server.url);
    const prefix = uniqueRedisPrefix('partition');
    const store = new RedisSessionStore(database, { redis: client, prefix, clock: new ManualClock(START) });
    const revoked = sessionRecord();
    const touched = sessionRecord();
    const swept = sessionRecord({ userId: 'user-grace' });
    for (const record of [revoked, touched, swept]) await store.create(record);

    // Redis keeps its data, but this process cannot reach it.
    client.disconnect();
    expect(await store.delete(revoked.id)).toEqual(revoked);
    await store.touch(touched.id, START + MINUTE, START + 40 * MINUTE);
    expect(await store.deleteByUser('user-grace')).toEqual([swept]);
    // The stale copies are still there for anyone reading Redis…
    expect(await cachedRecord(revoked, prefix)).toEqual(revoked);
    expect(await cachedRecord(touched, prefix)).toEqual(touched);
    expect(await cachedRecord(swept, prefix)).toEqual(swept);

    // …until the store is connected again.
    await client.connect();
    await eventually(
      async () => (await cachedRecord(revoked, prefix)) === null,
      'invalidation after reconnect',
    );
    expect(await cachedRecord(swept, prefix)).toBeNull();
    expect(await cachedRecord(touched, prefix)).toBeNull();
    expect(await admin.exists(`${prefix}sess:x:${revoked.id}`, `${prefix}sess:x:${swept.id}`)).toBe(2);
    expect(await store.findByTokenHash(revoked.tokenHash)).toBeNull();
    expect(await store.findByTokenHash(swept.tokenHash)).toBeNull();
    const fresh = { ...touched, lastSeenAt: START + MINUTE, idleExpiresAt: START + 40 * MINUTE };
    expect(await store.findByTokenHash(touched.tokenHash)).toEqual(fresh);
    expect(await cachedRecord(touched, prefix)).toEqual(fresh);

    await store.close();
    client.disconnect();
    await closeDatabase();
  });

  it('past maxPendingInvalidations, drops every session key under its prefix when Redis is back', async () => {
    const { database, close: closeDatabase } = await sqlite.open();
    const client = await readyClient(server.url);
    const prefix = uniqueRedisPrefix('overflow');
    const store = new RedisSessionStore(database, {
      redis: client,
      prefix,
      clock: new ManualClock(START),
      maxPendingInvalidations: 2,
    });
    const deleted = [sessionRecord(), sessionRecord(), sessionRecord()];
    const live = sessionRecord({ userId: 'user-grace' });
    for (const record of [...deleted, live]) await store.create(record);

    client.disconnect();
    for (const record of deleted) await store.delete(record.id);
    await client.connect();
    await eventually(async () => (await cachedRecord(live, prefix)) === null, 'drop after reconnect');
    for (const record of deleted) expect(await cachedRecord(record, prefix)).toBeNull();
    expect(await admin.keys(`${prefix}sess:[tiu]:*`)).toEqual([]);
    for (const record of deleted) expect(await store.findByTokenHash(record.tokenHash)).toBeNull();
    expect(await store.findByTokenHash(live.tokenHash)).toEqual(live);
    expect(await cachedRecord(live, prefix)).toEqual(live);

    await store.close();
    client.disconnect();
    await closeDatabase();
  });
});
