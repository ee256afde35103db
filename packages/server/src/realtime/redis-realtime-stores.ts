import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openRedisConnection, type RedisConnection } from '../storage/index.ts';
import {
  newEpoch,
  type PresenceRecord,
  presenceMembers,
  UNWRITTEN_STREAM_TTL_MS,
} from './memory-realtime-stores.ts';
import type {
  ChannelHistory,
  ChannelPresence,
  ConnectionEntry,
  ConnectionFilter,
  ConnectionRegistry,
  HistoryOptions,
  PresenceEntry,
  PresenceMember,
  StoredPublication,
  StreamPosition,
} from './ports.ts';
import {
  ADMIT_SCRIPT,
  APPEND_SCRIPT,
  COUNT_LIVE_SCRIPT,
  JOIN_SCRIPT,
  MEMBERS_SCRIPT,
  POSITION_SCRIPT,
  PUT_LIVE_SCRIPT,
  REFRESH_PRESENCE_SCRIPT,
  SINCE_SCRIPT,
} from './redis-realtime-scripts.ts';

export interface RedisRealtimeStoreOptions {
  url: string;
  /** Prepended to every key (`storage.redisPrefix`). */
  prefix?: string;
  /** Per-command deadline, so a slow Redis bounds a connect's or a publish's wait. */
  commandTimeoutMs?: number;
}

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const ADMIT = script(ADMIT_SCRIPT);
const PUT_LIVE = script(PUT_LIVE_SCRIPT);
const COUNT_LIVE = script(COUNT_LIVE_SCRIPT);
const APPEND = script(APPEND_SCRIPT);
const POSITION = script(POSITION_SCRIPT);
const SINCE = script(SINCE_SCRIPT);
const JOIN = script(JOIN_SCRIPT);
const REFRESH_PRESENCE = script(REFRESH_PRESENCE_SCRIPT);
const MEMBERS = script(MEMBERS_SCRIPT);

type Arg = string | number;

interface ScriptCall {
  script: Script;
  keys: string[];
  args: Arg[];
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** The first error of a pipeline's replies, thrown; `command()` turns one that is not Redis's reply into a 503. */
function throwFirstError(replies: Array<[Error | null, unknown]> | null): void {
  const failed = replies?.find(([error]) => error !== null);
  if (failed) throw failed[0];
}

/**
 * One connection per store instance: each store can be closed on its own, and a slow history (large replays)
 * never queues behind the registry's admits. Scripts run by EVALSHA, by EVAL once Redis forgot them.
 */
class ScriptConnection {
  readonly #connection: RedisConnection;
  readonly #redis: Redis;

  constructor(options: RedisRealtimeStoreOptions) {
    this.#connection = openRedisConnection(options.url, {
      enableAutoPipelining: true,
      ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    });
    this.#redis = this.#connection.client;
  }

  run(call: ScriptCall): Promise<unknown> {
    const { script: code, keys, args } = call;
    return this.#connection.command('kv', async () => {
      try {
        return await this.#redis.evalsha(code.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await this.#redis.eval(code.source, keys.length, ...keys, ...args);
      }
    });
  }

  /** Several scripts in one round trip (a heartbeat); those Redis had forgotten go again by EVAL. */
  runAll(calls: readonly ScriptCall[]): Promise<void> {
    if (calls.length === 0) return Promise.resolve();
    return this.#connection.command('kv', async () => {
      const first = this.#redis.pipeline();
      for (const { script: code, keys, args } of calls)
        first.evalsha(code.sha, keys.length, ...keys, ...args);
      const replies = (await first.exec()) ?? [];
      const forgotten = calls.filter((_, i) => isNoScript(replies[i]?.[0]));
      throwFirstError(replies.filter(([error]) => !isNoScript(error)));
      if (forgotten.length === 0) return;
      const again = this.#redis.pipeline();
      for (const { script: code, keys, args } of forgotten)
        again.eval(code.source, keys.length, ...keys, ...args);
      throwFirstError(await again.exec());
    });
  }

  /** Plain commands in one round trip; `atomic` wraps them in MULTI (their keys must share a slot). */
  commands(atomic: boolean, build: (pipeline: ReturnType<Redis['pipeline']>) => void): Promise<void> {
    return this.#connection.command('kv', async () => {
      const pipeline = atomic ? this.#redis.multi() : this.#redis.pipeline();
      build(pipeline);
      throwFirstError(await pipeline.exec());
    });
  }

  ping(): Promise<void> {
    return this.#connection.ping(2_000);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}

/**
 * Live connections in sorted sets scored by expiry (Redis TIME): one per user `<prefix>rt:u:{<userId>}`, one
 * per tenant `<prefix>rt:t:{<tenantId>}` and `<prefix>rt:all`, so every count reads one key.
 *
 * The per-user limit is exact: one script on the user's key. The tenant and total sets are written by separate
 * calls after it, because a script over keys of several hash tags would not run on Redis Cluster. So they lag
 * the user set by one round trip, and if Redis fails between the two an admitted connection is missing from
 * them (the admit rejects with 503; the user's slot stays taken until its TTL passes).
 */
export class RedisConnectionRegistry implements ConnectionRegistry {
  readonly #redis: ScriptConnection;
  readonly #prefix: string;

  constructor(options: RedisRealtimeStoreOptions) {
    this.#redis = new ScriptConnection(options);
    this.#prefix = options.prefix ?? 'lift:';
  }

  async admit(entry: ConnectionEntry, limit: number, ttlMs: number): Promise<boolean> {
    const admitted = await this.#redis.run({
      script: ADMIT,
      keys: [this.#userKey(entry.userId)],
      args: [entry.id, limit, ttl(ttlMs)],
    });
    if (admitted !== 1) return false;
    await this.#redis.runAll(
      this.#sharedKeys(entry).map((key) => ({
        script: PUT_LIVE,
        keys: [key],
        args: [ttl(ttlMs), 'add', entry.id],
      })),
    );
    return true;
  }

  async refresh(entries: readonly ConnectionEntry[], ttlMs: number): Promise<void> {
    const idsByKey = new Map<string, string[]>();
    for (const entry of entries) {
      for (const key of [this.#userKey(entry.userId), ...this.#sharedKeys(entry)]) {
        const ids = idsByKey.get(key) ?? [];
        ids.push(entry.id);
        idsByKey.set(key, ids);
      }
    }
    await this.#redis.runAll(
      [...idsByKey].map(([key, ids]) => ({
        script: PUT_LIVE,
        keys: [key],
        args: [ttl(ttlMs), 'refresh', ...ids],
      })),
    );
  }

  remove(entry: ConnectionEntry): Promise<void> {
    // Not atomic: the keys are on different slots. A removal cut short is finished by the TTL.
    return this.#redis.commands(false, (pipeline) => {
      for (const key of [this.#userKey(entry.userId), ...this.#sharedKeys(entry)])
        pipeline.zrem(key, entry.id);
    });
  }

  async count(filter: ConnectionFilter): Promise<number> {
    const key =
      'userId' in filter
        ? this.#userKey(filter.userId)
        : 'tenantId' in filter
          ? `${this.#prefix}rt:t:{${filter.tenantId}}`
          : `${this.#prefix}rt:all`;
    return Number(await this.#redis.run({ script: COUNT_LIVE, keys: [key], args: [] }));
  }

  #userKey(userId: string): string {
    return `${this.#prefix}rt:u:{${userId}}`;
  }

  /** The tenant's set (when the connection has a tenant) and the total one. */
  #sharedKeys(entry: ConnectionEntry): string[] {
    const all = `${this.#prefix}rt:all`;
    return entry.tenantId === null ? [all] : [`${this.#prefix}rt:t:{${entry.tenantId}}`, all];
  }

  ping(): Promise<void> {
    return this.#redis.ping();
  }

  close(): Promise<void> {
    return this.#redis.close();
  }
}

/** Redis wants whole milliseconds, and at least one. */
function ttl(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

/**
 * Channel streams: per channel an epoch, an offset counter and a list of `offset:data`, all under the hash tag
 * `<prefix>rt:h:{<channel>}:…` so each operation is one script on one slot, and all three expire together.
 */
export class RedisChannelHistory implements ChannelHistory {
  readonly #redis: ScriptConnection;
  readonly #prefix: string;
  readonly #unwrittenTtlMs: number;

  constructor(options: RedisRealtimeStoreOptions & { unwrittenStreamTtlMs?: number }) {
    this.#redis = new ScriptConnection(options);
    this.#prefix = options.prefix ?? 'lift:';
    this.#unwrittenTtlMs = ttl(options.unwrittenStreamTtlMs ?? UNWRITTEN_STREAM_TTL_MS);
  }

  async append(channel: string, data: string, options: HistoryOptions): Promise<StreamPosition> {
    const reply = (await this.#redis.run({
      script: APPEND,
      keys: this.#keys(channel),
      args: [data, Math.max(1, Math.floor(options.size)), ttl(options.ttlMs), newEpoch()],
    })) as [number, string];
    return { offset: Number(reply[0]), epoch: String(reply[1]) };
  }

  async position(channel: string): Promise<StreamPosition> {
    const reply = (await this.#redis.run({
      script: POSITION,
      keys: this.#keys(channel),
      args: [newEpoch(), this.#unwrittenTtlMs],
    })) as [number, string];
    return { offset: Number(reply[0]), epoch: String(reply[1]) };
  }

  async since(
    channel: string,
    since: StreamPosition,
    limit: number,
  ): Promise<{ publications: StoredPublication[]; position: StreamPosition; recovered: boolean }> {
    const [offset, epoch, recovered, ...items] = (await this.#redis.run({
      script: SINCE,
      keys: this.#keys(channel),
      args: [since.offset, since.epoch, limit, newEpoch(), this.#unwrittenTtlMs],
    })) as [number, string, number, ...string[]];
    const publications = items.map((item) => {
      const colon = item.indexOf(':');
      return { offset: Number(item.slice(0, colon)), data: item.slice(colon + 1) };
    });
    return {
      publications,
      position: { offset: Number(offset), epoch: String(epoch) },
      recovered: recovered === 1,
    };
  }

  #keys(channel: string): string[] {
    const base = `${this.#prefix}rt:h:{${channel}}`;
    return [`${base}:epoch`, `${base}:offset`, `${base}:log`];
  }

  ping(): Promise<void> {
    return this.#redis.ping();
  }

  close(): Promise<void> {
    return this.#redis.close();
  }
}

/**
 * Presence: per channel a hash `connection id → JSON {userId, joinedAt, info?}` and a sorted set of the
 * connections' expiries (Redis TIME), both under `<prefix>rt:p:{<channel>}:…`. Expiry lives only in the sorted
 * set, so a heartbeat rewrites scores, not every member's JSON.
 */
export class RedisChannelPresence implements ChannelPresence {
  readonly #redis: ScriptConnection;
  readonly #prefix: string;

  constructor(options: RedisRealtimeStoreOptions) {
    this.#redis = new ScriptConnection(options);
    this.#prefix = options.prefix ?? 'lift:';
  }

  async join(channel: string, entry: PresenceEntry, ttlMs: number): Promise<void> {
    const info = entry.info === undefined ? undefined : JSON.stringify(entry.info);
    await this.#redis.run({
      script: JOIN,
      keys: this.#keys(channel),
      args: [entry.connectionId, entry.userId, info ?? '', ttl(ttlMs)],
    });
  }

  leave(channel: string, connectionId: string): Promise<void> {
    const [hash, expiries] = this.#keys(channel);
    // Together or not at all: a hash entry without its expiry would never be dropped.
    return this.#redis.commands(true, (multi) => {
      multi.hdel(hash, connectionId).zrem(expiries, connectionId);
    });
  }

  async refresh(
    memberships: ReadonlyArray<{ channel: string; connectionId: string }>,
    ttlMs: number,
  ): Promise<void> {
    const idsByChannel = new Map<string, string[]>();
    for (const { channel, connectionId } of memberships) {
      idsByChannel.set(channel, [...(idsByChannel.get(channel) ?? []), connectionId]);
    }
    await this.#redis.runAll(
      [...idsByChannel].map(([channel, ids]) => ({
        script: REFRESH_PRESENCE,
        keys: this.#keys(channel),
        args: [ttl(ttlMs), ...ids],
      })),
    );
  }

  async members(channel: string): Promise<PresenceMember[]> {
    const reply = (await this.#redis.run({
      script: MEMBERS,
      keys: this.#keys(channel),
      args: [],
    })) as string[];
    const records: PresenceRecord[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      const stored = JSON.parse(reply[i + 1]!) as { userId: string; joinedAt: number; info?: unknown };
      records.push({
        connectionId: reply[i]!,
        userId: stored.userId,
        joinedAt: stored.joinedAt,
        ...(stored.info === undefined ? {} : { info: stored.info }),
      });
    }
    return presenceMembers(records);
  }

  #keys(channel: string): [hash: string, expiries: string] {
    const base = `${this.#prefix}rt:p:{${channel}}`;
    return [`${base}:conns`, `${base}:expiries`];
  }

  ping(): Promise<void> {
    return this.#redis.ping();
  }

  close(): Promise<void> {
    return this.#redis.close();
  }
}
