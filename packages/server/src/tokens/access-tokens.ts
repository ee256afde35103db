import { hash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { randomId } from '../core/crypto/random.ts';
import { type AccessTokenClaims, checkAccessTokenClaims } from './access-token-claims.ts';
import {
  type JwsAlgorithm,
  JwsError,
  type KeyResolver,
  type SigningKey,
  signCompact,
  verifyCompact,
} from './jws/index.ts';
import type { RevocationState } from './revocation.ts';
import { TokenRejectedError } from './token-errors.ts';

export type { AccessTokenClaims } from './access-token-claims.ts';

/**
 * Access tokens: JWTs per RFC 9068 (`typ: at+jwt`), short-lived, signed with the key ring's active key.
 *
 * Verification never lets the token choose: the key is found by `kid` among Lift's own keys and the algorithm
 * is the key's (tokens/jws/). Claims are then checked — `iss`, `aud`, `typ`, `exp`, `nbf`, `iat` with a bounded
 * skew — and the revocation state is asked. A verified token is cached (bounded, keyed by the token's SHA-256,
 * the entry dies with the token), so repeating it costs a hash and a map lookup; revocation is checked on
 * every use, cached or not.
 */

export interface IssueAccessTokenInput {
  userId: string;
  sid: string;
  tenantId?: string | null;
  amr: string[];
  /** When the user last proved who they are (ms). */
  authTime: number;
  scope?: string | null;
  /** DPoP key thumbprint to bind the token to. */
  jkt?: string | null;
}

export interface IssuedAccessToken {
  token: string;
  /** Seconds, for `expires_in`. */
  expiresIn: number;
  claims: AccessTokenClaims;
}

export interface VerifiedAccessToken {
  claims: AccessTokenClaims;
}

export interface AccessTokenKeys {
  signingKey(): SigningKey;
  resolve: KeyResolver;
}

export interface AccessTokensOptions {
  keys: AccessTokenKeys;
  revocation: RevocationState;
  clock: Clock;
  issuer: string;
  audience: string;
  /** Lifetime of a token in ms (default 10 min). */
  ttlMs: number;
  /** Tolerated clock difference in ms (default 30 s). */
  skewMs: number;
  /** Verified tokens kept in memory. */
  cacheSize: number;
  /** Refused before any parsing. Default 8192. */
  maxBytes?: number;
  allowedAlgorithms?: readonly JwsAlgorithm[];
  /** Adds claims; may not replace the registered ones. */
  customClaims?: (input: IssueAccessTokenInput) => Record<string, unknown>;
  /** Counts each token signed (`tokens_issued_total{type="access"}`). */
  issued?: { inc(): void };
}

const REGISTERED = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'sid',
  'tid',
  'amr',
  'auth_time',
  'cnf',
]);

interface CacheEntry {
  claims: AccessTokenClaims;
  expiresAt: number;
}

export class AccessTokens {
  readonly #options: AccessTokensOptions;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #maxBytes: number;

  constructor(options: AccessTokensOptions) {
    this.#options = options;
    this.#maxBytes = options.maxBytes ?? 8192;
  }

  issue(input: IssueAccessTokenInput): IssuedAccessToken {
    const { clock, issuer, audience, ttlMs } = this.#options;
    const now = Math.floor(clock.now() / 1000);
    const lifetime = Math.floor(ttlMs / 1000);
    const custom = this.#options.customClaims?.(input) ?? {};
    const claims: AccessTokenClaims = {} as AccessTokenClaims;
    for (const [name, value] of Object.entries(custom)) if (!REGISTERED.has(name)) claims[name] = value;
    Object.assign(claims, {
      iss: issuer,
      sub: input.userId,
      aud: audience,
      exp: now + lifetime,
      iat: now,
      jti: randomId(),
      sid: input.sid,
      amr: input.amr,
      auth_time: Math.floor(input.authTime / 1000),
    });
    if (input.tenantId) claims.tid = input.tenantId;
    if (input.scope) claims.scope = input.scope;
    if (input.jkt) claims.cnf = { jkt: input.jkt };
    const token = signCompact({ typ: 'at+jwt' }, claims, this.#options.keys.signingKey());
    this.#options.issued?.inc();
    return { token, expiresIn: lifetime, claims };
  }

  /** The token's claims, or a `TokenRejectedError` naming the reason; synchronous, no network call. */
  verify(token: string): VerifiedAccessToken {
    if (typeof token !== 'string' || token.length > this.#maxBytes) throw new TokenRejectedError('too_large');
    const now = this.#options.clock.now();
    const key = hash('sha256', token, 'base64url');
    let entry = this.#cache.get(key);
    if (entry !== undefined && entry.expiresAt + this.#options.skewMs <= now) {
      this.#cache.delete(key);
      throw new TokenRejectedError('expired');
    }
    if (entry === undefined) {
      entry = this.#verifyUncached(token, now);
      this.#remember(key, entry);
    }
    const claims = entry.claims;
    const revokedBy = this.#options.revocation.revokedBy({
      jti: claims.jti,
      sid: claims.sid,
      sub: claims.sub,
      issuedAt: claims.iat * 1000,
      expiresAt: entry.expiresAt,
    });
    if (revokedBy !== null) {
      throw Object.assign(new TokenRejectedError('revoked'), { revokedBy });
    }
    return { claims };
  }

  /** Drops every cached verification (after a key is withdrawn). */
  clearCache(): void {
    this.#cache.clear();
  }

  #verifyUncached(token: string, now: number): CacheEntry {
    let verified: ReturnType<typeof verifyCompact>;
    try {
      verified = verifyCompact(token, this.#options.keys.resolve, {
        maxBytes: this.#maxBytes,
        ...(this.#options.allowedAlgorithms ? { allowedAlgorithms: this.#options.allowedAlgorithms } : {}),
      });
    } catch (error) {
      // One error type for every refusal, with the JWS layer's reason (and its WWW-Authenticate header).
      if (error instanceof JwsError) throw new TokenRejectedError(error.reason);
      throw error;
    }
    const { issuer, audience, skewMs, ttlMs } = this.#options;
    return checkAccessTokenClaims(verified, { issuer, audience, skewMs, maxLifetimeMs: ttlMs, now });
  }

  #remember(key: string, entry: CacheEntry): void {
    const size = this.#options.cacheSize;
    if (size <= 0) return;
    if (this.#cache.size >= size) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, entry);
  }
}
