import type { VerifiedCompact } from './jws/index.ts';
import { TokenRejectedError } from './token-errors.ts';

/**
 * The claim checks of an RFC 9068 access token whose signature is already verified — one function for the
 * tokens this app issued (access-tokens.ts) and for tokens of another Lift checked against its JWKS
 * (remote/), so both refuse exactly the same tokens for the same reasons.
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
  /** Space-separated scopes the token was granted (RFC 8693 §4.2). */
  scope?: string;
  /** DPoP binding (RFC 9449): the JWK thumbprint of the client's key. */
  cnf?: { jkt: string };
  [claim: string]: unknown;
}

export interface ExpectedClaims {
  issuer: string;
  audience: string;
  /** Tolerated clock difference, ms. */
  skewMs: number;
  /** Longest lifetime (`exp - iat`) a token may claim, ms: a far-away `exp` is forged or foreign. */
  maxLifetimeMs: number;
  /** Now, ms since the epoch. */
  now: number;
}

export interface CheckedClaims {
  claims: AccessTokenClaims;
  /** `exp` in ms. */
  expiresAt: number;
}

const AT_JWT = /^(?:application\/)?at\+jwt$/i;

/** The token's claims, or a `TokenRejectedError` naming the first check that failed. */
export function checkAccessTokenClaims(verified: VerifiedCompact, expected: ExpectedClaims): CheckedClaims {
  const { header, payload } = verified;
  if (typeof header.typ !== 'string' || !AT_JWT.test(header.typ)) throw new TokenRejectedError('wrong_type');
  let claims: AccessTokenClaims;
  try {
    // The signature over these bytes was just verified with a trusted key: plain UTF-8 decoding is enough
    // (the header, which precedes the signature check, is decoded strictly).
    claims = JSON.parse(
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'),
    ) as AccessTokenClaims;
  } catch {
    throw new TokenRejectedError('malformed');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TokenRejectedError('malformed');
  }
  const { issuer, audience, skewMs, maxLifetimeMs, now } = expected;
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
  if (exp - iat > maxLifetimeMs + skewMs || exp > now + maxLifetimeMs + skewMs) {
    throw new TokenRejectedError('bad_claims');
  }
  if (claims.nbf !== undefined) {
    if (!isTime(claims.nbf)) throw new TokenRejectedError('bad_claims');
    if (claims.nbf * 1000 - skewMs > now) throw new TokenRejectedError('not_yet_valid');
  }
  if (claims.scope !== undefined && typeof claims.scope !== 'string')
    throw new TokenRejectedError('bad_claims');
  return { claims, expiresAt: exp };
}

/** A NumericDate we accept: a finite, non-negative number of seconds below the year 10000. */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 253_402_300_800;
}
