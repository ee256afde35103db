import type { Clock } from '../core/clock.ts';
import { cryptoRandom, randomId } from '../core/crypto/random.ts';
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

/** Everything expired is swept after this many operations, so an entry nobody touches again still goes. */
const SWEEP_EVERY = 10_000;

/**
 * How long an epoch handed out for a stream not written yet is kept. It must outlive a client's reconnect, so
 * a client that subscribed to a quiet channel recovers the channel's first publications in that same epoch.
 */
export const UNWRITTEN_STREAM_TTL_MS = 3_600_000;

/** A fresh epoch: 48 random bits, so two streams (or a stream before and after expiry) never share one. */
export function newEpoch(): string {
  return randomId(cryptoRandom, 6);
}

/** Counts operations and says when the next sweep is due. */
class SweepSchedule {
  #left = SWEEP_EVERY;
  due(): boolean {
    if (--this.#left > 0) return false;
    this.#left = SWEEP_EVERY;
    return true;
  }
}

/** Members that each expire at their own time: the memory twin of a Redis sorted set scored by expiry. */
class ExpiringSet {
  readonly #expiries = new Map<string, number>();
  // No member expires before this, so counting between expiries needs no scan. It may be too early (after a
  // refresh or removal), which only costs one scan that recomputes it.
  #earliest = Number.POSITIVE_INFINITY;

  /** Drops the expired members and answers how many are live. */
  live(now: number): number {
    if (now < this.#earliest) return this.#expiries.size;
    this.#earliest = Number.POSITIVE_INFINITY;
    for (const [member, expiresAt] of this.#expiries) {
      if (expiresAt <= now) this.#expiries.delete(member);
      else this.#earliest = Math.min(this.#earliest, expiresAt);
    }
    return this.#expiries.size;
  }

  has(member: string, now: number): boolean {
    return (this.#expiries.get(member) ?? now) > now;
  }

  put(member: string, expiresAt: number): void {
    this.#expiries.set(member, expiresAt);
    this.#earliest = Math.min(this.#earliest, expiresAt);
  }

  /** Moves a live member's expiry; an expired or unknown one stays gone (a heartbeat never revives). */
  extend(member: string, expiresAt: number, now: number): void {
    if (this.has(member, now)) this.put(member, expiresAt);
  }

  delete(member: string): void {
    this.#expiries.delete(member);
  }
}

/**
 * Connections of this process: exact for one process (the embedded shape). Each user and each tenant has its
 * own set, like the Redis adapter's keys, so a count reads one set.
 */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  readonly #clock: Clock;
  readonly #users = new Map<string, ExpiringSet>();
  readonly #tenants = new Map<string, ExpiringSet>();
  readonly #all = new ExpiringSet();
  readonly #sweep = new SweepSchedule();

  constructor(options: { clock: Clock }) {
    this.#clock = options.clock;
  }

  async admit(entry: ConnectionEntry, limit: number, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const user = this.#users.get(entry.userId) ?? new ExpiringSet();
    // A connection admitted again keeps its slot rather than taking a second one.
    if (!user.has(entry.id, now) && user.live(now) >= limit) return false;
    this.#users.set(entry.userId, user);
    if (entry.tenantId !== null && !this.#tenants.has(entry.tenantId)) {
      this.#tenants.set(entry.tenantId, new ExpiringSet());
    }
    for (const set of this.#setsOf(entry)) set.put(entry.id, now + ttlMs);
    return true;
  }

  async refresh(entries: readonly ConnectionEntry[], ttlMs: number): Promise<void> {
    const now = this.#now();
    for (const entry of entries)
      for (const set of this.#setsOf(entry)) set.extend(entry.id, now + ttlMs, now);
  }

  async remove(entry: ConnectionEntry): Promise<void> {
    for (const set of this.#setsOf(entry)) set.delete(entry.id);
  }

  async count(filter: ConnectionFilter): Promise<number> {
    const now = this.#now();
    if ('userId' in filter) return this.#users.get(filter.userId)?.live(now) ?? 0;
    if ('tenantId' in filter) return this.#tenants.get(filter.tenantId)?.live(now) ?? 0;
    return this.#all.live(now);
  }

  #setsOf(entry: ConnectionEntry): ExpiringSet[] {
    const sets = [this.#all];
    const user = this.#users.get(entry.userId);
    if (user) sets.push(user);
    const tenant = entry.tenantId === null ? undefined : this.#tenants.get(entry.tenantId);
    if (tenant) sets.push(tenant);
    return sets;
  }

  #now(): number {
    const now = this.#clock.now();
    if (this.#sweep.due()) {
      this.#all.live(now);
      for (const sets of [this.#users, this.#tenants]) {
        for (const [key, set] of sets) if (set.live(now) === 0) sets.delete(key);
      }
    }
    return now;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#users.clear();
    this.#tenants.clear();
  }
}

interface Stream {
  epoch: string;
  offset: number;
  /** The kept publications, oldest first. */
  publications: StoredPublication[];
  expiresAt: number;
}

/** Channel streams of this process: a bounded array per channel, dropped whole once its TTL passes. */
export class MemoryChannelHistory implements ChannelHistory {
  readonly #clock: Clock;
  readonly #unwrittenTtlMs: number;
  readonly #streams = new Map<string, Stream>();
  readonly #sweep = new SweepSchedule();

  constructor(options: { clock: Clock; unwrittenStreamTtlMs?: number }) {
    this.#clock = options.clock;
    this.#unwrittenTtlMs = options.unwrittenStreamTtlMs ?? UNWRITTEN_STREAM_TTL_MS;
  }

  async append(channel: string, data: string, options: HistoryOptions): Promise<StreamPosition> {
    const now = this.#now();
    const stream = this.#stream(channel, now);
    stream.offset += 1;
    stream.publications.push({ offset: stream.offset, data });
    const excess = stream.publications.length - options.size;
    if (excess > 0) stream.publications.splice(0, excess);
    stream.expiresAt = now + options.ttlMs;
    return { offset: stream.offset, epoch: stream.epoch };
  }

  async position(channel: string): Promise<StreamPosition> {
    const stream = this.#stream(channel, this.#now());
    return { offset: stream.offset, epoch: stream.epoch };
  }

  async since(
    channel: string,
    since: StreamPosition,
    limit: number,
  ): Promise<{ publications: StoredPublication[]; position: StreamPosition; recovered: boolean }> {
    const stream = this.#stream(channel, this.#now());
    const position = { offset: stream.offset, epoch: stream.epoch };
    const missed = stream.offset - since.offset;
    const unrecoverable =
      since.epoch !== stream.epoch || missed < 0 || missed > limit || missed > stream.publications.length;
    if (unrecoverable) return { publications: [], position, recovered: false };
    const publications = missed === 0 ? [] : stream.publications.slice(-missed).map((p) => ({ ...p }));
    return { publications, position, recovered: true };
  }

  /** The channel's live stream, or a new one (offset 0, fresh epoch) when it was never written or expired. */
  #stream(channel: string, now: number): Stream {
    const kept = this.#streams.get(channel);
    if (kept && kept.expiresAt > now) return kept;
    const stream = { epoch: newEpoch(), offset: 0, publications: [], expiresAt: now + this.#unwrittenTtlMs };
    this.#streams.set(channel, stream);
    return stream;
  }

  #now(): number {
    const now = this.#clock.now();
    if (this.#sweep.due()) {
      for (const [channel, stream] of this.#streams)
        if (stream.expiresAt <= now) this.#streams.delete(channel);
    }
    return now;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#streams.clear();
  }
}

/** One connection's presence as both adapters read it back. */
export interface PresenceRecord {
  connectionId: string;
  userId: string;
  info?: unknown;
  joinedAt: number;
}

/**
 * One row per user, ordered by user id. A user's info is that of their most recently joined connection that
 * shows any (ties on the millisecond go to the greater connection id), so a changed display name wins.
 */
export function presenceMembers(records: readonly PresenceRecord[]): PresenceMember[] {
  const users = new Map<string, { connections: number; shown?: PresenceRecord }>();
  for (const record of records) {
    const user = users.get(record.userId) ?? { connections: 0 };
    user.connections += 1;
    if (record.info !== undefined && (user.shown === undefined || isLater(record, user.shown))) {
      user.shown = record;
    }
    users.set(record.userId, user);
  }
  return [...users]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([userId, { connections, shown }]) =>
      shown?.info === undefined ? { userId, connections } : { userId, connections, info: shown.info },
    );
}

function isLater(a: PresenceRecord, b: PresenceRecord): boolean {
  return a.joinedAt !== b.joinedAt ? a.joinedAt > b.joinedAt : a.connectionId > b.connectionId;
}

/** A connection's presence in memory: info kept as JSON text, so callers get copies as they would from Redis. */
interface StoredPresence {
  userId: string;
  info?: string;
  joinedAt: number;
  expiresAt: number;
}

/** Presence of this process: per channel, each connection with its own expiry. */
export class MemoryChannelPresence implements ChannelPresence {
  readonly #clock: Clock;
  readonly #channels = new Map<string, Map<string, StoredPresence>>();
  readonly #sweep = new SweepSchedule();

  constructor(options: { clock: Clock }) {
    this.#clock = options.clock;
  }

  async join(channel: string, entry: PresenceEntry, ttlMs: number): Promise<void> {
    const now = this.#now();
    const connections = this.#channels.get(channel) ?? new Map<string, StoredPresence>();
    const info = entry.info === undefined ? undefined : JSON.stringify(entry.info);
    connections.set(entry.connectionId, {
      userId: entry.userId,
      ...(info === undefined ? {} : { info }),
      joinedAt: now,
      expiresAt: now + ttlMs,
    });
    this.#channels.set(channel, connections);
  }

  async leave(channel: string, connectionId: string): Promise<void> {
    const connections = this.#channels.get(channel);
    connections?.delete(connectionId);
    if (connections?.size === 0) this.#channels.delete(channel);
  }

  async refresh(
    memberships: ReadonlyArray<{ channel: string; connectionId: string }>,
    ttlMs: number,
  ): Promise<void> {
    const now = this.#now();
    for (const { channel, connectionId } of memberships) {
      const record = this.#channels.get(channel)?.get(connectionId);
      if (record && record.expiresAt > now) record.expiresAt = now + ttlMs;
    }
  }

  async members(channel: string): Promise<PresenceMember[]> {
    const connections = this.#channels.get(channel);
    if (!connections) return [];
    this.#dropExpired(channel, connections, this.#now());
    return presenceMembers(
      [...connections].map(([connectionId, { userId, info, joinedAt }]) => ({
        connectionId,
        userId,
        joinedAt,
        ...(info === undefined ? {} : { info: JSON.parse(info) as unknown }),
      })),
    );
  }

  #dropExpired(channel: string, connections: Map<string, { expiresAt: number }>, now: number): void {
    for (const [id, record] of connections) if (record.expiresAt <= now) connections.delete(id);
    if (connections.size === 0) this.#channels.delete(channel);
  }

  #now(): number {
    const now = this.#clock.now();
    if (this.#sweep.due()) {
      for (const [channel, connections] of this.#channels) this.#dropExpired(channel, connections, now);
    }
    return now;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#channels.clear();
  }
}
