import { hash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { randomId } from '../core/crypto/random.ts';
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

/**
 * Access tokens: JWTs per RFC 9068 (`typ: at+jwt`), short-lived, signed with the key ring's active key.
 *
 * Verification never lets the token choose: the key is found by `kid` among Lift's own keys and the algorithm
 * is the key's (tokens/jws/). Claims are then checked — `iss`, `aud`, `typ`, `exp`, `nbf`, `iat` with a bounded
 * skew — and the revocation state is asked. A verified token is cached (bounded, keyed by the token's SHA-256,
 * the entry dies with the token), so repeating it costs a hash and a map lookup; revocation is checked on
 * every use, cached or not.
 */

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  jti: string;
  /** The session or refresh family the token belongs to. */
  sid?: string;
  /** Active tenant. */
  tid?: string;
  amr?: string[];
  auth_time?: number;
  scope?: string;
  /** DPoP binding (RFC 9449): the JWK thumbprint of the client's key. */
  cnf?: { jkt: string };
  [claim: string]: unknown;
}

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
const AT_JWT = /^(?:application\/)?at\+jwt$/i;

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
    const revoked = this.#options.revocation.isRevoked({
      jti: claims.jti,
      sid: claims.sid,
      sub: claims.sub,
      issuedAt: claims.iat * 1000,
      expiresAt: entry.expiresAt,
    });
    if (revoked) throw new TokenRejectedError('revoked');
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
    const { header, payload } = verified;
    if (typeof header.typ !== 'string' || !AT_JWT.test(header.typ))
      throw new TokenRejectedError('wrong_type');
    let claims: AccessTokenClaims;
    try {
      // The payload's signature was just verified with one of our keys, so its bytes are ours: plain UTF-8
      // decoding is enough (the header, which precedes the signature check, is decoded strictly).
      claims = JSON.parse(
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'),
      ) as AccessTokenClaims;
    } catch {
      throw new TokenRejectedError('malformed');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw new TokenRejectedError('malformed');
    }
    const { issuer, audience, skewMs, ttlMs } = this.#options;
    if (claims.iss !== issuer) throw new TokenRejectedError('wrong_issuer');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(audience)) throw new TokenRejectedError('wrong_audience');
    if (typeof claims.sub !== 'string' || claims.sub === '' || typeof claims.jti !== 'string') {
      throw new TokenRejectedError('bad_claims');
    }
    if (!isTime(claims.exp) || !isTime(claims.iat)) throw new TokenRejectedError('bad_claims');
    const exp = claims.exp * 1000;
    const iat = claims.iat * 1000;
    if (exp + skewMs <= now) throw new TokenRejectedError('expired');
    if (iat - skewMs > now) throw new TokenRejectedError('not_yet_valid');
    // No token of ours lives longer than the configured lifetime: a far-away exp is forged or foreign.
    if (exp - iat > ttlMs + skewMs || exp > now + ttlMs + skewMs) throw new TokenRejectedError('bad_claims');
    if (claims.nbf !== undefined) {
      if (!isTime(claims.nbf)) throw new TokenRejectedError('bad_claims');
      if (claims.nbf * 1000 - skewMs > now) throw new TokenRejectedError('not_yet_valid');
    }
    return { claims, expiresAt: exp };
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

/** A NumericDate we accept: a finite, non-negative number of seconds below the year 10000. */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 253_402_300_800;
}
