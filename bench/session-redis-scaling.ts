/**
 * Part of `bench/session.ts`: does validating a session from Redis get slower when Redis holds a million
 * sessions instead of a thousand?
 *
 * Times `RedisSessionStore.findByTokenHash` — the one Redis GET the session manager makes when its node cache
 * has no fresh entry — on uniformly random stored sessions, one call at a time, in rounds (the best round's
 * mean is the µs/op), first with `small` sessions in Redis, then with `large`, then with `small` again (the
 * extra sessions removed), so drift of a shared machine during the fill shows up instead of passing for a
 * scaling effect.
 *
 * Where things are written:
 * - Redis: under a key prefix of its own (`bench-session:<pid>-<random>:`), exactly the keys the store's cache
 *   script writes for each session: `sess:t:<tokenHash>` (the record as JSON), `sess:i:<id>` (the token hash)
 *   and `sess:u:<userId>` (set of session ids, four sessions per user), all with a 10-minute expiry, written
 *   by a script that runs those SET/SADD/PEXPIRE commands for 1,000 sessions per call. Removed at the end (and after a failure) with SCAN + UNLINK on the
 *   prefix; the expiry covers a killed run. Never FLUSHALL: the Redis may be shared.
 * - SQL (a temp SQLite database, the store's source of truth): rows only for the sessions that are looked up,
 *   so the store's invariant holds for every record the benchmark touches. Before timing, every sampled key is
 *   checked to exist in Redis, so each timed call is a Redis hit and never reads SQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createLift } from '../packages/server/src/index.ts';
import { sessionsModule } from '../packages/server/src/sessions/module.ts';
import { RedisSessionStore } from '../packages/server/src/sessions/redis-session-store.ts';
import type { SessionRecord } from '../packages/server/src/sessions/session-store.ts';
import { hashSessionToken } from '../packages/server/src/sessions/session-token.ts';
import { SqlSessionStore } from '../packages/server/src/sessions/sql-session-store.ts';

const KEY_TTL_MS = 10 * 60_000;
const SESSIONS_PER_USER = 4;
/** Sessions per fill script call (a few milliseconds of Redis time each). */
const FILL_BATCH = 1_000;

/**
 * What the store's cache script writes for a session (SET, SET, SADD, and PEXPIRE of the user's set, here once
 * per user), for a batch of sessions per call: per-command overhead in the client would otherwise make a
 * million sessions take minutes. ARGV: prefix, ttl, then (tokenHash, record JSON, id, userId) per session,
 * a user's sessions next to each other.
 */
const FILL_SCRIPT = `
local prefix, ttl = ARGV[1], ARGV[2]
for i = 3, #ARGV, 4 do
  local userKey = prefix .. 'sess:u:' .. ARGV[i + 3]
  redis.call('SET', prefix .. 'sess:t:' .. ARGV[i], ARGV[i + 1], 'PX', ttl)
  redis.call('SET', prefix .. 'sess:i:' .. ARGV[i + 2], ARGV[i], 'PX', ttl)
  redis.call('SADD', userKey, ARGV[i + 2])
  if ARGV[i + 7] ~= ARGV[i + 3] then redis.call('PEXPIRE', userKey, ttl) end
end
return 0`;
/** Keys per UNLINK, and UNLINK commands per pipeline, when removing. */
const UNLINK_BATCH = 1_000;
const UNLINK_PIPELINE = 20;
const WARMUP_LOOKUPS = 1_000;
const LOOKUP_ROUNDS = 4;

export interface ScalingOptions {
  redis: Redis;
  small: number;
  large: number;
  /** Timed lookups per size. */
  lookups: number;
  userAgent: string;
  /** Progress lines. */
  note(message: string): void;
}

export interface LookupTiming {
  /** Sessions stored under the prefix while timing. */
  sessions: number;
  label: string;
  lookups: number;
  /** Mean of the best round. */
  meanUs: number;
  roundMeansUs: number[];
  p50Us: number;
  p99Us: number;
}

export interface ScalingResult {
  timings: LookupTiming[];
  /** Growth of Redis's `used_memory` while filling from `small` to `large` sessions. */
  fillMemoryBytes: number;
  fillSeconds: number;
  /** Keys the final cleanup removed (those of `small` sessions, plus anything a miss would have written). */
  cleanedKeys: number;
}

/**
 * The stored sessions, by index. Ids and token hashes are derived from a random seed and the index (SHA-256,
 * the same shapes as real ones), so any session can be rebuilt without keeping a million of them in this
 * process: a large heap here would slow the very lookups being timed.
 */
class SessionSet {
  readonly seed = randomBytes(16).toString('base64url');
  readonly now = Date.now();

  constructor(
    readonly prefix: string,
    readonly userAgent: string,
  ) {}

  tokenHash(index: number): string {
    return hashSessionToken(`${this.seed}:token:${index}`);
  }

  id(index: number): string {
    return hashSessionToken(`${this.seed}:id:${index}`).slice(0, 22);
  }

  userId(index: number): string {
    return `bench-user-${Math.floor(index / SESSIONS_PER_USER)}`;
  }

  /** Fields in the order the store serialises them. */
  record(index: number): SessionRecord {
    return {
      id: this.id(index),
      tokenHash: this.tokenHash(index),
      userId: this.userId(index),
      createdAt: this.now,
      lastSeenAt: this.now,
      idleExpiresAt: this.now + KEY_TTL_MS,
      absoluteExpiresAt: this.now + 30 * 24 * 60 * 60_000,
      authTime: this.now,
      amr: ['pwd'],
      ip: '203.0.113.7',
      userAgent: this.userAgent,
      uaFamily: 'chrome',
      ipPrefix: '203.0.113.0/24',
      tenantId: null,
    };
  }

  key(kind: 't' | 'i' | 'u', name: string): string {
    return `${this.prefix}sess:${kind}:${name}`;
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error !== null);
  if (failed) throw failed[0];
}

/** Writes sessions [from, to) with the keys and expiries the store's cache script gives them. */
async function fill(redis: Redis, set: SessionSet, from: number, to: number): Promise<void> {
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let start = from; start < to; start += FILL_BATCH) {
    const args: string[] = [set.prefix, String(KEY_TTL_MS)];
    for (let index = start; index < Math.min(start + FILL_BATCH, to); index++) {
      const record = set.record(index);
      args.push(record.tokenHash, JSON.stringify(record), record.id, record.userId);
    }
    // Build the next batch while Redis runs this one.
    await inFlight;
    inFlight = redis.eval(FILL_SCRIPT, 0, ...args);
  }
  await inFlight;
}

async function unlinkAll(redis: Redis, keys: string[]): Promise<void> {
  const perPipeline = UNLINK_BATCH * UNLINK_PIPELINE;
  for (let start = 0; start < keys.length; start += perPipeline) {
    const pipeline = redis.pipeline();
    const end = Math.min(start + perPipeline, keys.length);
    for (let batch = start; batch < end; batch += UNLINK_BATCH) {
      pipeline.unlink(...keys.slice(batch, Math.min(batch + UNLINK_BATCH, end)));
    }
    await execOrThrow(pipeline);
  }
}

/** Removes the keys of sessions [from, to) and of users that have no session below `from`. */
async function trim(redis: Redis, set: SessionSet, from: number, to: number): Promise<void> {
  const chunk = UNLINK_BATCH * UNLINK_PIPELINE;
  for (let start = from; start < to; start += chunk) {
    const keys: string[] = [];
    for (let index = start; index < Math.min(start + chunk, to); index++) {
      keys.push(set.key('t', set.tokenHash(index)), set.key('i', set.id(index)));
      if (index % SESSIONS_PER_USER === 0) keys.push(set.key('u', set.userId(index)));
    }
    await unlinkAll(redis, keys);
  }
}

/** SCAN + UNLINK of everything under the prefix; returns how many keys were removed. */
async function removePrefix(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    if (keys.length > 0) removed += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return removed;
}

function sample(size: number, count: number): number[] {
  return Array.from({ length: count }, () => Math.floor(Math.random() * size));
}

async function assertCached(redis: Redis, set: SessionSet, indices: number[]): Promise<void> {
  const unique = [...new Set(indices)];
  for (let start = 0; start < unique.length; start += UNLINK_BATCH) {
    const keys = unique.slice(start, start + UNLINK_BATCH).map((i) => set.key('t', set.tokenHash(i)));
    const present = await redis.exists(...keys);
    if (present !== keys.length) {
      throw new Error(`${keys.length - present} sampled sessions are missing from Redis before timing`);
    }
  }
}

async function writeSqlRows(sql: SqlSessionStore, set: SessionSet, indices: number[], done: Set<number>) {
  for (const index of new Set(indices)) {
    if (done.has(index)) continue;
    await sql.create(set.record(index));
    done.add(index);
  }
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

/**
 * Times one lookup per index, in `LOOKUP_ROUNDS` rounds: µs/op is the best round's mean (noise from other
 * processes only ever adds time), percentiles are over every call.
 */
async function timeLookups(
  store: RedisSessionStore,
  set: SessionSet,
  indices: number[],
): Promise<Omit<LookupTiming, 'sessions' | 'label'>> {
  // Derived before timing, so the timed loop holds nothing but the call.
  const sessions = indices.map((index) => ({ tokenHash: set.tokenHash(index), id: set.id(index) }));
  const lookup = async (session: { tokenHash: string; id: string }) => {
    const record = await store.findByTokenHash(session.tokenHash);
    if (record?.id !== session.id) throw new Error(`session ${session.id} was not found by its token hash`);
  };
  for (const session of sessions.slice(0, WARMUP_LOOKUPS)) await lookup(session);
  const timed = sessions.slice(WARMUP_LOOKUPS);
  const micros = new Float64Array(timed.length);
  const roundMeans: number[] = [];
  const perRound = Math.ceil(timed.length / LOOKUP_ROUNDS);
  for (let start = 0; start < timed.length; start += perRound) {
    const end = Math.min(start + perRound, timed.length);
    for (let n = start; n < end; n++) {
      const begin = process.hrtime.bigint();
      await lookup(timed[n]!);
      micros[n] = Number(process.hrtime.bigint() - begin) / 1_000;
    }
    roundMeans.push(micros.subarray(start, end).reduce((sum, value) => sum + value, 0) / (end - start));
  }
  const sorted = micros.slice().sort();
  return {
    lookups: timed.length,
    meanUs: Math.min(...roundMeans),
    roundMeansUs: roundMeans,
    p50Us: percentile(sorted, 0.5),
    p99Us: percentile(sorted, 0.99),
  };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

export async function measureRedisScaling(options: ScalingOptions): Promise<ScalingResult> {
  const { redis, small, large, lookups, note } = options;
  const prefix = `bench-session:${process.pid}-${randomBytes(4).toString('hex')}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-session-'));
  // Only the sessions module: its table is what the lookups read; no identity, no mail.
  const app = createLift({ env: 'test', dataDir, log: { level: 'warn' } }, { modules: [sessionsModule()] });
  const set = new SessionSet(prefix, options.userAgent);
  let cleanedKeys = 0;
  try {
    await app.migrate();
    const sql = new SqlSessionStore(app.storage.sql);
    const store = new RedisSessionStore(app.storage.sql, { redis, prefix });
    const rows = new Set<number>();
    const timings: LookupTiming[] = [];
    const timeWith = async (sessions: number, label: string) => {
      const indices = sample(sessions, WARMUP_LOOKUPS + lookups);
      await writeSqlRows(sql, set, indices, rows);
      await assertCached(redis, set, indices);
      const timing = await timeLookups(store, set, indices);
      timings.push({ sessions, label, ...timing });
      note(`${label.padEnd(28)} ${timing.meanUs.toFixed(1)} µs/op (p50 ${timing.p50Us.toFixed(1)})`);
    };

    await fill(redis, set, 0, small);
    await timeWith(small, `${small.toLocaleString('en-US')} sessions`);

    note(`filling Redis to ${large.toLocaleString('en-US')} sessions …`);
    const memoryBefore = await usedMemory(redis);
    const fillStart = performance.now();
    await fill(redis, set, small, large);
    const fillSeconds = (performance.now() - fillStart) / 1000;
    const fillMemoryBytes = (await usedMemory(redis)) - memoryBefore;
    note(
      `filled in ${fillSeconds.toFixed(1)} s, Redis used_memory +${(fillMemoryBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    await timeWith(large, `${large.toLocaleString('en-US')} sessions`);

    await trim(redis, set, small, large);
    await timeWith(small, `${small.toLocaleString('en-US')} sessions, again`);
    await store.close();
    cleanedKeys = await removePrefix(redis, prefix);
    return { timings, fillMemoryBytes, fillSeconds, cleanedKeys };
  } finally {
    if (cleanedKeys === 0) await removePrefix(redis, prefix);
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
