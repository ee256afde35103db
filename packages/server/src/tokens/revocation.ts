import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Broker, KeyValueStore } from '../storage/ports.ts';

/**
 * Revocation state for stateless access tokens: revoked `jti`s, revoked `sid`s (a refresh family or a session
 * ends, so every access token of it must stop working) and per-user "not before" times (log out everywhere).
 *
 * Each entry is written to the key-value port with a TTL equal to the longest life a matching token can still
 * have, then published on the broker; every node mirrors the entries in memory, so the hot path
 * (`check`) answers without a network call. A node that just started has not seen what was published before it
 * subscribed: for its first `maxTokenLifetimeMs` it also asks the key-value store on a miss (once per token
 * id), after which every revocation that can still matter reached it through the broker.
 */

export const REVOCATIONS_CHANNEL = 'lift:revocations';

type Kind = 'jti' | 'sid' | 'user';

interface RevocationMessage {
  kind: Kind;
  value: string;
  /** For `user`: the not-before time (ms); otherwise unused (0). */
  at: number;
  /** When the entry can be forgotten (ms). */
  until: number;
}

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
  kv: KeyValueStore;
  broker: () => Broker;
  clock: Clock;
  log: Logger;
  /** The longest an access token lives; bounds TTLs and the start-up window. */
  maxTokenLifetimeMs: number;
  /** Key prefix in the key-value store. Default `tokens:revoked:`. */
  prefix?: string;
}

export class RevocationState {
  readonly #kv: KeyValueStore;
  readonly #broker: () => Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxLifetime: number;
  readonly #prefix: string;
  /** kind:value → { at, until } */
  readonly #entries = new Map<string, { at: number; until: number }>();
  /** Token ids already checked against the key-value store during the start-up window. */
  readonly #checked = new Map<string, number>();
  #startedAt = 0;
  #unsubscribe: (() => Promise<void>) | undefined;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: RevocationStateOptions) {
    this.#kv = options.kv;
    this.#broker = options.broker;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#maxLifetime = options.maxTokenLifetimeMs;
    this.#prefix = options.prefix ?? 'tokens:revoked:';
  }

  async start(): Promise<void> {
    this.#startedAt = this.#clock.now();
    this.#unsubscribe ??= await this.#broker().subscribe(REVOCATIONS_CHANNEL, (raw) => {
      const message = JSON.parse(raw) as RevocationMessage;
      this.#remember(message.kind, message.value, message.at, message.until);
    });
    this.#sweeper ??= setInterval(() => this.#sweep(), 60_000);
    this.#sweeper.unref();
  }

  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
  }

  /** One access token, until it expires. */
  revokeTokenId(jti: string, expiresAt: number): Promise<void> {
    return this.#revoke('jti', jti, 0, expiresAt);
  }

  /** Every access token carrying this `sid` (a refresh family or a session) issued so far. */
  revokeSid(sid: string): Promise<void> {
    return this.#revoke('sid', sid, 0, this.#clock.now() + this.#maxLifetime);
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
    return this.#revoke('user', userId, cut, now + this.#maxLifetime);
  }

  /**
   * Whether a token is revoked. Synchronous from memory, except during a node's start-up window, when a token
   * not seen before costs one key-value round trip.
   */
  isRevoked(token: TokenIdentity): boolean | Promise<boolean> {
    if (this.#memoryRevoked(token)) return true;
    const now = this.#clock.now();
    if (now - this.#startedAt >= this.#maxLifetime) return false;
    if ((this.#checked.get(token.jti) ?? 0) > now) return false;
    return this.#checkStore(token, now);
  }

  #memoryRevoked(token: TokenIdentity): boolean {
    if (this.#entries.size === 0) return false;
    if (this.#entries.has(`jti:${token.jti}`)) return true;
    if (token.sid && this.#entries.has(`sid:${token.sid}`)) return true;
    const user = this.#entries.get(`user:${token.sub}`);
    return user !== undefined && token.issuedAt < user.at;
  }

  async #checkStore(token: TokenIdentity, now: number): Promise<boolean> {
    const [jti, sid, user] = await Promise.all([
      this.#kv.get(`${this.#prefix}jti:${token.jti}`),
      token.sid ? this.#kv.get(`${this.#prefix}sid:${token.sid}`) : null,
      this.#kv.get(`${this.#prefix}user:${token.sub}`),
    ]);
    const until = now + this.#maxLifetime;
    if (jti !== null) this.#remember('jti', token.jti, 0, Number(jti) || until);
    if (sid !== null && token.sid) this.#remember('sid', token.sid, 0, until);
    if (user !== null) this.#remember('user', token.sub, Number(user), until);
    this.#checked.set(token.jti, token.expiresAt);
    return this.#memoryRevoked(token);
  }

  async #revoke(kind: Kind, value: string, at: number, until: number): Promise<void> {
    const now = this.#clock.now();
    this.#remember(kind, value, at, until);
    const ttlMs = Math.max(1, until - now);
    const stored = kind === 'user' ? String(at) : String(until);
    await this.#kv.set(`${this.#prefix}${kind}:${value}`, stored, { ttlMs });
    const message: RevocationMessage = { kind, value, at, until };
    try {
      await this.#broker().publish(REVOCATIONS_CHANNEL, JSON.stringify(message));
    } catch (error) {
      // Other nodes still learn it from the key-value store while they warm up; beyond that this is lost,
      // which is why it is logged as an error.
      this.#log.error({ err: error, kind }, 'could not publish a token revocation to other nodes');
    }
  }

  #remember(kind: Kind, value: string, at: number, until: number): void {
    const key = `${kind}:${value}`;
    const existing = this.#entries.get(key);
    // For users the latest not-before wins; other kinds only need the longest life.
    if (existing && existing.at >= at && existing.until >= until) return;
    this.#entries.set(key, {
      at: Math.max(at, existing?.at ?? 0),
      until: Math.max(until, existing?.until ?? 0),
    });
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
    for (const [jti, until] of this.#checked) if (until <= now) this.#checked.delete(jti);
  }

  /** Entries held in memory (metrics, tests). */
  get size(): number {
    return this.#entries.size;
  }
}
