import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Announcing } from '../core/events.ts';
import type { Invalidation } from '../core/invalidation.ts';
import type { RevocationEntry, RevocationKind, RevocationStore } from './revocation-store.ts';

/**
 * Revocation state for stateless access tokens: revoked `jti`s, revoked `sid`s (a refresh family or a session
 * ends, so every access token of it must stop working) and per-user "not before" times (log out everywhere).
 *
 * Each entry is written durably (`RevocationStore`, SQL) with the longest life a matching token can still
 * have, then published on the broker without waiting; every node mirrors the entries in memory, so the hot
 * path (`isRevoked`) never makes a network call. A node reads every live entry from the store when it starts
 * and again whenever the broker resyncs (`Broker.onResync`: its subscription dropped, or another node could
 * not publish), so a revocation whose message was lost during a broker outage applies on every node as soon
 * as the broker is back.
 */

/** The invalidation topic of revocations; the key is the entry as JSON (core/invalidation.ts). */
export const REVOCATIONS_TOPIC = 'revocations';

export interface TokenIdentity {
  jti: string;
  sid?: string | null | undefined;
  sub: string;
  /** Issued-at, in ms. */
  issuedAt: number;
  /** Expiry, in ms. */
  expiresAt: number;
}

export interface RevocationStateOptions {
  store: RevocationStore;
  invalidation: Invalidation;
  clock: Clock;
  log: Logger;
  /** The longest an access token lives; bounds how long an entry is kept. */
  maxTokenLifetimeMs: number;
}

/** How often expired entries leave memory and the store. */
const SWEEP_INTERVAL_MS = 60_000;

export class RevocationState {
  readonly #store: RevocationStore;
  readonly #invalidation: Invalidation;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxLifetime: number;
  /** kind:value → { at, until } */
  readonly #entries = new Map<string, { at: number; until: number }>();
  #unsubscribe: (() => Promise<void>) | undefined;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: RevocationStateOptions) {
    this.#store = options.store;
    this.#invalidation = options.invalidation;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#maxLifetime = options.maxTokenLifetimeMs;
  }

  /** Subscribes first, then loads the store, so nothing revoked in between is missed. */
  async start(): Promise<void> {
    if (this.#unsubscribe === undefined) {
      const unsubscribe = await this.#invalidation.on(REVOCATIONS_TOPIC, (raw) => {
        const entry = JSON.parse(raw) as RevocationEntry;
        this.#remember(entry.kind, entry.value, entry.at, entry.until);
      });
      const stopResync = this.#invalidation.onResync(() => {
        this.#load().catch((error: unknown) => {
          this.#log.error({ err: error }, 'could not reread token revocations after a broker resync');
        });
      });
      this.#unsubscribe = async () => {
        stopResync();
        await unsubscribe();
      };
    }
    await this.#load();
    this.#sweeper ??= setInterval(() => void this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
  }

  /** One access token, until it expires. `announce`: events written with the durable entry (core/events.ts). */
  revokeTokenId(jti: string, expiresAt: number, options: Announcing<void> = {}): Promise<void> {
    return this.#revoke({ kind: 'jti', value: jti, at: 0, until: expiresAt }, options);
  }

  /** Every access token carrying this `sid` (a refresh family or a session) issued so far. */
  revokeSid(sid: string): Promise<void> {
    return this.#revoke({ kind: 'sid', value: sid, at: 0, until: this.#clock.now() + this.#maxLifetime });
  }

  /**
   * Every access token of the user issued before now ("log out everywhere"). `iat` has whole seconds, so the
   * cut is at the start of the current second: a token issued later in this second (a login right after a
   * password change) must work. Callers also revoke the `sid`s they know of, which ends the tokens issued
   * earlier in the same second.
   */
  revokeUserTokens(userId: string): Promise<void> {
    const now = this.#clock.now();
    const cut = Math.floor(now / 1000) * 1000;
    return this.#revoke({ kind: 'user', value: userId, at: cut, until: now + this.#maxLifetime });
  }

  /** Whether a token is revoked; from memory, always synchronous. */
  isRevoked(token: TokenIdentity): boolean {
    return this.revokedBy(token) !== null;
  }

  /**
   * What revoked a token: `jti` (that one token, `POST /auth/revoke` of an access token — a denylist entry),
   * `sid` (its login's family: logout, refresh reuse), `user` (every token of the user), or null.
   */
  revokedBy(token: TokenIdentity): 'jti' | 'sid' | 'user' | null {
    if (this.#entries.size === 0) return null;
    if (this.#entries.has(`jti:${token.jti}`)) return 'jti';
    // Before the login's own: ending every token of a user also ends each login, and the wider cause names it.
    const user = this.#entries.get(`user:${token.sub}`);
    if (user !== undefined && token.issuedAt < user.at) return 'user';
    return token.sid && this.#entries.has(`sid:${token.sid}`) ? 'sid' : null;
  }

  /** Durable first (a failure reaches the caller: the revocation did not happen), then news in the background. */
  async #revoke(entry: RevocationEntry, options: Announcing<void> = {}): Promise<void> {
    await this.#store.save(entry, options);
    this.#remember(entry.kind, entry.value, entry.at, entry.until);
    this.#invalidation.invalidate(REVOCATIONS_TOPIC, JSON.stringify(entry));
  }

  async #load(): Promise<void> {
    for (const entry of await this.#store.live(this.#clock.now())) {
      this.#remember(entry.kind, entry.value, entry.at, entry.until);
    }
  }

  #remember(kind: RevocationKind, value: string, at: number, until: number): void {
    const key = `${kind}:${value}`;
    const existing = this.#entries.get(key);
    // For users the latest not-before wins; other kinds only need the longest life.
    if (existing && existing.at >= at && existing.until >= until) return;
    this.#entries.set(key, {
      at: Math.max(at, existing?.at ?? 0),
      until: Math.max(until, existing?.until ?? 0),
    });
  }

  async #sweep(): Promise<void> {
    const now = this.#clock.now();
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
    try {
      await this.#store.purgeExpired(now);
    } catch (error) {
      this.#log.warn({ err: error }, 'could not purge expired token revocations; will retry');
    }
  }

  /** Entries held in memory (metrics, tests). */
  get size(): number {
    return this.#entries.size;
  }
}
