import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { randomId } from '../core/crypto/random.ts';
import { StoreUnavailableError } from '../core/errors.ts';
import type { EventOrigin, EventPublisher, EventSpec } from '../core/events.ts';
import type { Invalidation } from '../core/invalidation.ts';
import { ipPrefix, userAgentFamily } from './binding.ts';
import { type CacheEntry, SessionCache } from './session-cache.ts';
import { enforceSessionCap } from './session-cap.ts';
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

/** The invalidation topic of ended sessions; the key is a session id (core/invalidation.ts). */
export const SESSIONS_TOPIC = 'sessions';

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
  invalidation: Invalidation;
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

export class SessionManager {
  readonly #store: SessionStore;
  readonly #invalidation: Invalidation;
  readonly #events: EventPublisher;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly settings: SessionSettings;
  /** This node's copies of recently used sessions. */
  readonly #cache: SessionCache;
  #unsubscribe: (() => Promise<void>) | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;

  constructor(options: SessionManagerOptions) {
    this.#store = options.store;
    this.#invalidation = options.invalidation;
    this.#events = options.events;
    this.#clock = options.clock;
    this.#log = options.log;
    this.settings = options.settings;
    this.#cache = new SessionCache(options.clock, options.settings);
  }

  /** Subscribes to revocations from other nodes and starts the purge task (when `purgeIntervalMs` > 0). */
  async start(purgeIntervalMs = 0, purgeExtra?: (now: number) => Promise<number>): Promise<void> {
    if (this.#unsubscribe === undefined) {
      const unsubscribe = await this.#invalidation.on(SESSIONS_TOPIC, (id) => this.#cache.forget([id]));
      const stopResync = this.#invalidation.onResync(() => this.#resync());
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
    await enforceSessionCap(this, this.#events, input.userId, input.origin);
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
    this.#cache.remember(record.tokenHash, record, now);
    this.#events.emit('session.created', {
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
        this.#cache.drop(tokenHash);
        return null;
      }
      entry = this.#cache.remember(tokenHash, record, now, entry?.anomalies);
    }
    const record = entry.record;
    if (record.idleExpiresAt <= now || record.absoluteExpiresAt <= now) {
      this.#cache.drop(tokenHash);
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
    this.#events.emit('session.rotated', {
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
    const removed = await this.#events.change<SessionRecord | null>(
      (announce) => this.#store.delete(sessionId, { announce }),
      (record) => (record ? this.#revokedEvents([record], record.userId, context) : []),
    );
    this.#cache.forget([sessionId]);
    this.#publishForget([sessionId]);
    return removed;
  }

  /** Ends every session of a user (except `exceptId`), on every node. Returns how many ended. */
  async revokeUser(
    userId: string,
    context: { actor: string | null; reason: string; origin?: EventOrigin; exceptId?: string },
  ): Promise<number> {
    const removed = await this.#events.change<SessionRecord[]>(
      (announce) => this.#store.deleteByUser(userId, { exceptId: context.exceptId, announce }),
      (records) => this.#revokedEvents(records, userId, context),
    );
    if (removed.length > 0) {
      const ids = removed.map((record) => record.id);
      this.#cache.forget(ids);
      this.#publishForget(ids);
    }
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
      this.#events.emit('session.anomaly', {
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
    this.#cache.forget([sessionId]);
    this.#publishForget([sessionId]);
    return removed;
  }

  /** `session.revoked` for what a revocation removed: written with the removal (the transactional outbox). */
  #revokedEvents(
    removed: SessionRecord[],
    userId: string,
    context: { actor: string | null; reason: string; origin?: EventOrigin },
  ): EventSpec[] {
    if (removed.length === 0) return [];
    const payload = {
      actor: context.actor,
      subject: userId,
      ...context.origin,
      reason: context.reason,
      data: { sessionIds: removed.map((record) => record.id) },
    };
    return [{ type: 'session.revoked', payload }];
  }

  /** Not awaited by anyone: other nodes that miss it drop their whole cache when the broker resyncs. */
  #publishForget(ids: string[]): void {
    for (const id of ids) this.#invalidation.invalidate(SESSIONS_TOPIC, id);
  }

  /**
   * Messages may have been missed (the broker was unreachable): every cached session is checked with the store
   * again at its next use, so a revocation made meanwhile on another node applies here too.
   */
  #resync(): void {
    this.#cache.clear();
  }
}
