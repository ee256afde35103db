import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { randomId } from '../core/crypto/random.ts';
import { ConflictError, StoreUnavailableError } from '../core/errors.ts';
import type { EventOrigin, EventPublisher } from '../core/events.ts';
import { publishInBackground } from '../core/publish-in-background.ts';
import type { Broker } from '../storage/index.ts';
import { ipPrefix, userAgentFamily } from './binding.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';
import { hashSessionToken, isWellFormedSessionToken, newSessionToken } from './session-token.ts';

/**
 * The session manager owns every session policy; the store only keeps records.
 *
 * Hot path (`validate`): a per-node cache answers from memory. An entry is trusted for `cacheTtlMs`, then the
 * store is asked again (one Redis round trip with the Redis store). Revocations do not wait for that: every
 * revocation deletes from the store, then publishes the session ids on the broker, and every node drops them
 * from its cache at once (and refuses to re-cache them for a while, so a read that raced the revocation cannot
 * bring a session back). The publication is not awaited; when the broker was unreachable, every node empties
 * its cache once the broker is back (`Broker.onResync`), so revocations made meanwhile apply everywhere. The
 * TTL only bounds staleness when a message is lost without the broker noticing.
 *
 * Sliding renewal writes `lastSeenAt` at most once per `renewIntervalMs` per session; idle expiry is therefore
 * exact to within that interval. Stores failing on the hot path give 503 — authentication fails closed.
 */

export const SESSIONS_CHANNEL = 'lift:sessions';

export interface SessionSettings {
  idleTimeoutMs: number;
  absoluteLifetimeMs: number;
  renewIntervalMs: number;
  cacheTtlMs: number;
  cacheSize: number;
  maxPerUser: number;
  maxPerUserPolicy: 'evict_oldest' | 'deny_new';
  binding: 'off' | 'record' | 'enforce';
  freshMs: number;
}

export interface SessionManagerOptions {
  store: SessionStore;
  broker: () => Broker;
  events: EventPublisher;
  clock: Clock;
  log: Logger;
  settings: SessionSettings;
}

export interface CreateSessionInput {
  userId: string;
  amr: string[];
  /** Default: now. */
  authTime?: number;
  origin: EventOrigin;
  /** Kept from the session being rotated, so rotation never extends the absolute lifetime. */
  absoluteExpiresAt?: number;
  /** The active tenant (default none); the caller checked the user may act there. */
  tenantId?: string | null;
  /**
   * The session the client presented when it logged in again: it ends first, so it never survives the login
   * and does not count against `maxPerUser`.
   */
  replaces?: string | null | undefined;
}

export interface IssuedSession {
  /** The secret the client presents (cookie value); shown once, never stored. */
  token: string;
  record: SessionRecord;
}

export interface ValidatedSession {
  record: SessionRecord;
  fresh: boolean;
}

/** 409 when `sessions.maxPerUserPolicy` is `deny_new` and the user is at the cap. */
export class SessionLimitError extends ConflictError {
  constructor(max: number) {
    super(`This account already has ${max} active sessions; log out elsewhere first.`, 'LIFT_SESSION_LIMIT');
  }
}

interface CacheEntry {
  record: SessionRecord;
  checkedAt: number;
  /** Client shapes already reported as anomalies for this session (one event each). */
  anomalies?: Set<string> | undefined;
  /** The last user agent and IP seen that matched the binding, so a repeat skips the classification. */
  matched?: { userAgent: string | null | undefined; ip: string | null | undefined } | undefined;
}

export class SessionManager {
  readonly #store: SessionStore;
  readonly #broker: () => Broker;
  readonly #events: EventPublisher;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly settings: SessionSettings;
  /** tokenHash → entry, insertion-ordered; the oldest entry goes first when full. */
  readonly #cache = new Map<string, CacheEntry>();
  /** session id → tokenHash, for invalidation by id. */
  readonly #ids = new Map<string, string>();
  /** Recently revoked ids → until when they may not be cached. */
  readonly #tombstones = new Map<string, number>();
  #unsubscribe: (() => Promise<void>) | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;

  constructor(options: SessionManagerOptions) {
    this.#store = options.store;
    this.#broker = options.broker;
    this.#events = options.events;
    this.#clock = options.clock;
    this.#log = options.log;
    this.settings = options.settings;
  }

  /** Subscribes to revocations from other nodes and starts the purge task (when `purgeIntervalMs` > 0). */
  async start(purgeIntervalMs = 0, purgeExtra?: (now: number) => Promise<number>): Promise<void> {
    if (this.#unsubscribe === undefined) {
      const unsubscribe = await this.#broker().subscribe(SESSIONS_CHANNEL, (message) => {
        const { ids } = JSON.parse(message) as { ids: string[] };
        this.#forget(ids);
      });
      const stopResync = this.#broker().onResync(() => this.#resync());
      this.#unsubscribe = async () => {
        stopResync();
        await unsubscribe();
      };
    }
    if (purgeIntervalMs > 0 && this.#purgeTimer === undefined) {
      this.#purgeTimer = setInterval(() => {
        void this.purge(purgeExtra);
      }, purgeIntervalMs);
      this.#purgeTimer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.#purgeTimer) clearInterval(this.#purgeTimer);
    this.#purgeTimer = undefined;
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
    await this.#store.close();
  }

  /** A new session for a user who just proved who they are. Enforces `maxPerUser`. */
  async create(input: CreateSessionInput): Promise<IssuedSession> {
    const now = this.#clock.now();
    if (input.replaces) {
      await this.revoke(input.replaces, { actor: input.userId, reason: 'superseded', origin: input.origin });
    }
    await this.#enforceCap(input.userId, input.origin);
    const token = newSessionToken();
    const absoluteExpiresAt = input.absoluteExpiresAt ?? now + this.settings.absoluteLifetimeMs;
    const record: SessionRecord = {
      id: randomId(),
      tokenHash: hashSessionToken(token),
      userId: input.userId,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: Math.min(now + this.settings.idleTimeoutMs, absoluteExpiresAt),
      absoluteExpiresAt,
      authTime: input.authTime ?? now,
      amr: [...input.amr],
      ip: input.origin.ip ?? null,
      userAgent: input.origin.userAgent ?? null,
      uaFamily: userAgentFamily(input.origin.userAgent),
      ipPrefix: ipPrefix(input.origin.ip),
      tenantId: input.tenantId ?? null,
    };
    await this.#store.create(record);
    this.#remember(record.tokenHash, record, now);
    await this.#events.emit({
      type: 'session.created',
      actor: record.userId,
      ...input.origin,
      data: { sessionId: record.id, amr: record.amr },
    });
    return { token, record };
  }

  /**
   * The hot path: the session a token stands for, or null when the token is malformed, unknown, expired or
   * revoked. Answers synchronously from the cache when it can (no promise, no microtask); rejects with 503
   * when the store cannot answer.
   */
  validate(token: string, origin: EventOrigin): ValidatedSession | null | Promise<ValidatedSession | null> {
    if (!isWellFormedSessionToken(token)) return null;
    const now = this.#clock.now();
    const tokenHash = hashSessionToken(token);
    const entry = this.#cache.get(tokenHash);
    // The common case answers synchronously: a fresh cache entry, unexpired, same client as last time, no
    // renewal due. Anything else takes the asynchronous path.
    if (entry !== undefined && now - entry.checkedAt < this.settings.cacheTtlMs) {
      const record = entry.record;
      const matched = entry.matched;
      if (
        record.idleExpiresAt > now &&
        record.absoluteExpiresAt > now &&
        now - record.lastSeenAt < this.settings.renewIntervalMs &&
        (this.settings.binding === 'off' ||
          (matched !== undefined && matched.userAgent === origin.userAgent && matched.ip === origin.ip))
      ) {
        return { record, fresh: now - record.authTime <= this.settings.freshMs };
      }
    }
    return this.#validateSlowly(tokenHash, entry, origin, now);
  }

  async #validateSlowly(
    tokenHash: string,
    cached: CacheEntry | undefined,
    origin: EventOrigin,
    now: number,
  ): Promise<ValidatedSession | null> {
    let entry = cached;
    if (entry === undefined || now - entry.checkedAt >= this.settings.cacheTtlMs) {
      let record: SessionRecord | null;
      try {
        record = await this.#store.findByTokenHash(tokenHash);
      } catch (error) {
        // Counted and logged once per interval by the error renderer, not once per request here.
        throw new StoreUnavailableError('sessions', { cause: error });
      }
      if (record === null) {
        this.#drop(tokenHash);
        return null;
      }
      entry = this.#remember(tokenHash, record, now, entry?.anomalies);
    }
    const record = entry.record;
    if (record.idleExpiresAt <= now || record.absoluteExpiresAt <= now) {
      this.#drop(tokenHash);
      return null;
    }
    if (this.settings.binding !== 'off' && !(await this.#checkBinding(entry, origin))) return null;
    if (now - record.lastSeenAt >= this.settings.renewIntervalMs) await this.#renew(record, now);
    return { record, fresh: now - record.authTime <= this.settings.freshMs };
  }

  /**
   * Fixation prevention: a new id and token for the same login (after MFA, step-up, a password or role change,
   * a tenant switch). The old session ends; the absolute lifetime does not grow; the active tenant carries over
   * unless `changes.tenantId` replaces it (null clears it).
   */
  async rotate(
    previous: SessionRecord,
    changes: {
      amr?: string[];
      authTime?: number;
      tenantId?: string | null;
      origin: EventOrigin;
      reason: string;
    },
  ): Promise<IssuedSession> {
    await this.#removeOne(previous.id);
    const issued = await this.create({
      userId: previous.userId,
      amr: changes.amr ?? previous.amr,
      authTime: changes.authTime ?? previous.authTime,
      origin: changes.origin,
      absoluteExpiresAt: previous.absoluteExpiresAt,
      tenantId: changes.tenantId === undefined ? previous.tenantId : changes.tenantId,
    });
    await this.#events.emit({
      type: 'session.rotated',
      actor: previous.userId,
      ...changes.origin,
      reason: changes.reason,
      data: { from: previous.id, to: issued.record.id },
    });
    return issued;
  }

  /** Ends one session; returns whether it existed. */
  async revoke(
    sessionId: string,
    context: { actor: string | null; reason: string; origin?: EventOrigin },
  ): Promise<SessionRecord | null> {
    const removed = await this.#removeOne(sessionId);
    if (removed) await this.#emitRevoked([removed], removed.userId, context);
    return removed;
  }

  /** Ends every session of a user (except `exceptId`), on every node. Returns how many ended. */
  async revokeUser(
    userId: string,
    context: { actor: string | null; reason: string; origin?: EventOrigin; exceptId?: string },
  ): Promise<number> {
    const removed = await this.#store.deleteByUser(userId, { exceptId: context.exceptId });
    if (removed.length > 0) {
      const ids = removed.map((record) => record.id);
      this.#forget(ids);
      this.#publishForget(ids);
    }
    await this.#emitRevoked(removed, userId, context);
    return removed.length;
  }

  /** A user's live sessions, oldest first. */
  async list(userId: string): Promise<SessionRecord[]> {
    const now = this.#clock.now();
    const records = await this.#store.listByUser(userId);
    return records.filter((record) => record.idleExpiresAt > now && record.absoluteExpiresAt > now);
  }

  findById(id: string): Promise<SessionRecord | null> {
    return this.#store.findById(id);
  }

  /** Deletes expired sessions (and whatever `extra` purges); logs and returns how many were removed. */
  async purge(extra?: (now: number) => Promise<number>): Promise<number> {
    const now = this.#clock.now();
    try {
      const sessions = await this.#store.purgeExpired(now);
      const other = extra ? await extra(now) : 0;
      this.#log.info({ sessions, other }, 'purged expired sessions');
      return sessions + other;
    } catch (error) {
      this.#log.error({ err: error }, 'purging expired sessions failed; will retry at the next interval');
      return 0;
    }
  }

  /** Number of sessions this node holds in memory (metrics, tests). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  async #enforceCap(userId: string, origin: EventOrigin): Promise<void> {
    const max = this.settings.maxPerUser;
    if (max <= 0) return;
    const live = await this.list(userId);
    if (live.length < max) return;
    if (this.settings.maxPerUserPolicy === 'deny_new') {
      await this.#events.emit({
        type: 'session.denied',
        actor: userId,
        ...origin,
        reason: 'max_per_user',
        data: { max },
      });
      throw new SessionLimitError(max);
    }
    const evicted = live.slice(0, live.length - max + 1);
    for (const record of evicted) {
      await this.revoke(record.id, { actor: userId, reason: 'max_per_user', origin });
    }
  }

  async #checkBinding(entry: CacheEntry, origin: EventOrigin): Promise<boolean> {
    const record = entry.record;
    const matched = entry.matched;
    if (matched !== undefined && matched.userAgent === origin.userAgent && matched.ip === origin.ip)
      return true;
    const family = userAgentFamily(origin.userAgent);
    const prefix = ipPrefix(origin.ip);
    if (family === record.uaFamily && prefix === record.ipPrefix) {
      entry.matched = { userAgent: origin.userAgent, ip: origin.ip };
      return true;
    }
    const shape = `${family}|${prefix}`;
    entry.anomalies ??= new Set();
    const enforce = this.settings.binding === 'enforce';
    if (!entry.anomalies.has(shape) || enforce) {
      entry.anomalies.add(shape);
      await this.#events.emit({
        type: 'session.anomaly',
        actor: record.userId,
        ...origin,
        reason: enforce ? 'binding_enforced' : 'binding_changed',
        data: {
          sessionId: record.id,
          expected: { uaFamily: record.uaFamily, ipPrefix: record.ipPrefix },
          seen: { uaFamily: family, ipPrefix: prefix },
        },
      });
    }
    if (!enforce) return true;
    await this.revoke(record.id, { actor: null, reason: 'binding', origin });
    return false;
  }

  async #renew(record: SessionRecord, now: number): Promise<void> {
    const idleExpiresAt = Math.min(now + this.settings.idleTimeoutMs, record.absoluteExpiresAt);
    // The cached record moves first, so concurrent requests of the same session do not all write.
    record.lastSeenAt = now;
    record.idleExpiresAt = idleExpiresAt;
    try {
      await this.#store.touch(record.id, now, idleExpiresAt);
    } catch (error) {
      // The session stays valid; the next interval tries again.
      this.#log.warn({ err: error, sessionId: record.id }, 'could not renew a session');
    }
  }

  async #removeOne(sessionId: string): Promise<SessionRecord | null> {
    const removed = await this.#store.delete(sessionId);
    this.#forget([sessionId]);
    this.#publishForget([sessionId]);
    return removed;
  }

  async #emitRevoked(
    removed: SessionRecord[],
    userId: string,
    context: { actor: string | null; reason: string; origin?: EventOrigin },
  ): Promise<void> {
    if (removed.length === 0) return;
    await this.#events.emit({
      type: 'session.revoked',
      actor: context.actor,
      subject: userId,
      ...context.origin,
      reason: context.reason,
      data: { sessionIds: removed.map((record) => record.id) },
    });
  }

  /** Not awaited by anyone: other nodes that miss it drop their whole cache when the broker resyncs. */
  #publishForget(ids: string[]): void {
    publishInBackground(this.#broker(), SESSIONS_CHANNEL, JSON.stringify({ ids }), (error) => {
      this.#log.warn(
        { err: error },
        'could not publish a session revocation; other nodes drop their cached sessions when the broker is back',
      );
    });
  }

  /**
   * Messages may have been missed (the broker was unreachable): every cached session is checked with the store
   * again at its next use, so a revocation made meanwhile on another node applies here too.
   */
  #resync(): void {
    this.#cache.clear();
    this.#ids.clear();
  }

  #remember(tokenHash: string, record: SessionRecord, now: number, anomalies?: Set<string>): CacheEntry {
    const entry: CacheEntry = { record, checkedAt: now, anomalies };
    const tombstone = this.#tombstones.get(record.id);
    if (tombstone !== undefined) {
      if (tombstone > now) return entry; // revoked a moment ago: answer this once, never cache it
      this.#tombstones.delete(record.id);
    }
    if (this.settings.cacheSize === 0) return entry;
    if (this.#cache.size >= this.settings.cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#drop(oldest.value);
    }
    this.#cache.set(tokenHash, entry);
    this.#ids.set(record.id, tokenHash);
    return entry;
  }

  #drop(tokenHash: string): void {
    const entry = this.#cache.get(tokenHash);
    if (entry === undefined) return;
    this.#cache.delete(tokenHash);
    this.#ids.delete(entry.record.id);
  }

  #forget(ids: string[]): void {
    const until = this.#clock.now() + this.settings.cacheTtlMs;
    for (const id of ids) {
      const tokenHash = this.#ids.get(id);
      if (tokenHash !== undefined) this.#drop(tokenHash);
      this.#tombstones.set(id, until);
    }
    if (this.#tombstones.size > 10_000) {
      const now = this.#clock.now();
      for (const [id, expiry] of this.#tombstones) if (expiry <= now) this.#tombstones.delete(id);
    }
  }
}
