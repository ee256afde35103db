import type { Context as HonoContext } from 'hono';
import type { AuthResolver } from '../core/authenticate.ts';
import type { EventPublisher } from '../core/events.ts';
import { requestHeader } from '../core/request-headers.ts';
import type { Principal } from '../core/request-state.ts';
import { CsrfError, csrfVerdict } from '../http/index.ts';
import { requestOrigin } from '../sessions/index.ts';
import type { AccessTokens, VerifiedAccessToken } from './access-tokens.ts';
import { DpopError, type DpopVerifier } from './dpop.ts';
import type { TokenMetrics } from './metrics.ts';
import { type AccessCookieSettings, ambientToken, type TokenSource } from './token-carriers.ts';
import { TokenRejectedError } from './token-errors.ts';
import { tokenPrincipal } from './token-principal.ts';

/**
 * The bearer resolver of the authentication chain: `Authorization: Bearer <access token>`, or
 * `Authorization: DPoP <access token>` with a `DPoP` proof for key-bound tokens (RFC 9449). No Authorization
 * header, or another scheme (Basic, an API key), → `null`, for the next resolver. A token that fails
 * verification is a 401 (`LIFT_TOKEN_INVALID` or `LIFT_DPOP_INVALID`) with `WWW-Authenticate` (RFC 6750),
 * never "anonymous", and a `token.rejected` event with the reason. These requests are not subject to CSRF
 * (no ambient credential).
 */

const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;

export interface BearerResolverOptions {
  accessTokens: AccessTokens;
  events: EventPublisher;
  /** Checks `DPoP` proofs for tokens bound to a key. */
  dpop: DpopVerifier;
  /** The URIs the client may have addressed (a proof's `htu` must be one of them). */
  requestUris(c: HonoContext): string[];
  /** How long after `auth_time` the principal counts as fresh. */
  freshMs: number;
  now(): number;
  /** The access-token cookie, when `tokens.cookie.enabled`. */
  cookie?: AccessCookieSettings | undefined;
  /** For cookie-borne tokens: other origins allowed to send state-changing requests (`auth.csrfAllowedOrigins`). */
  csrfAllowedOrigins: readonly string[];
  /** The app's public origin (`auth.publicUrl`), besides the request's own. */
  publicOrigin: string | undefined;
  /** Counts verifications by outcome (`token_verifications_total`). */
  metrics?: Pick<TokenMetrics, 'verified' | 'refused'> | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Emits `token.rejected` for a refused token or proof (and counts it), then rethrows. */
function refusal(options: BearerResolverOptions): (c: HonoContext, error: unknown) => never {
  return (c, error) => {
    if (error instanceof TokenRejectedError || error instanceof DpopError) {
      options.metrics?.refused(error.reason);
      options.events.emit('token.rejected', { actor: null, ...requestOrigin(c), reason: error.reason });
    }
    throw error;
  };
}

function principalOf(options: BearerResolverOptions, verified: VerifiedAccessToken): Principal {
  const principal = tokenPrincipal(verified.claims, { now: options.now(), freshMs: options.freshMs });
  options.metrics?.verified.inc();
  return principal;
}

function bearerOnly(options: BearerResolverOptions, verified: VerifiedAccessToken): Principal {
  if (verified.claims.cnf !== undefined) {
    // A key-bound token presented as a plain bearer token: whoever sends it lacks the proof.
    throw new TokenRejectedError('dpop_required', 'This token is bound to a key; send it with a DPoP proof.');
  }
  return principalOf(options, verified);
}

async function withProof(
  options: BearerResolverOptions,
  c: HonoContext,
  token: string,
  verified: VerifiedAccessToken,
): Promise<Principal> {
  const jkt = verified.claims.cnf?.jkt;
  if (jkt === undefined) {
    throw new TokenRejectedError('not_dpop_bound', 'This token is not bound to a key; send it as Bearer.');
  }
  const proof = requestHeader(c, 'dpop');
  if (proof === undefined || proof.includes(',')) throw new DpopError('malformed');
  await options.dpop.verify(proof, {
    htm: c.req.method,
    htu: options.requestUris(c),
    accessToken: token,
    expectedJkt: jkt,
  });
  return principalOf(options, verified);
}

/** A cookie is ambient: a state-changing request it carries must pass the CSRF rules (or is refused here). */
function csrfRefusal(options: BearerResolverOptions, c: HonoContext, source: TokenSource): CsrfError | null {
  if (source !== 'cookie' || SAFE_METHODS.has(c.req.method)) return null;
  const ownOrigins = [new URL(c.req.url).origin];
  if (options.publicOrigin) ownOrigins.push(options.publicOrigin);
  const verdict = csrfVerdict({
    method: c.req.method,
    secFetchSite: requestHeader(c, 'sec-fetch-site'),
    origin: requestHeader(c, 'origin'),
    ownOrigins,
    allowedOrigins: options.csrfAllowedOrigins,
  });
  if (verdict.ok) return null;
  options.events.emit('auth.csrf.refused', { actor: null, ...requestOrigin(c), reason: verdict.reason });
  return new CsrfError(verdict.reason);
}

export function bearerResolver(options: BearerResolverOptions): AuthResolver {
  const { accessTokens } = options;
  const refuse = refusal(options);
  const plainBearer = (verified: VerifiedAccessToken): Principal => bearerOnly(options, verified);

  /** A token from the cookie or an allowed query parameter: a cookie is ambient, so CSRF rules apply. */
  const fromAmbient = (c: HonoContext, token: string, source: TokenSource) => {
    const csrf = csrfRefusal(options, c, source);
    if (csrf !== null) return Promise.reject(csrf);
    try {
      const verified = accessTokens.verify(token);
      if (verified instanceof Promise) {
        return verified.then(plainBearer).catch((error: unknown) => refuse(c, error));
      }
      return plainBearer(verified);
    } catch (error) {
      return refuse(c, error);
    }
  };

  return (c) => {
    const authorization = requestHeader(c, 'authorization');
    if (authorization === undefined) {
      const ambient = ambientToken(c, options.cookie);
      return ambient === null ? null : fromAmbient(c, ambient.token, ambient.source);
    }
    if (!/^(?:bearer|dpop)\b/i.test(authorization)) return null;
    const match = AUTHORIZATION.exec(authorization);
    try {
      if (match === null) throw new TokenRejectedError('malformed', 'The Authorization header is malformed.');
      const token = match[2]!;
      const verified = accessTokens.verify(token);
      if (match[1]!.toLowerCase() === 'dpop') {
        return Promise.resolve(verified)
          .then((result) => withProof(options, c, token, result))
          .catch((error: unknown) => refuse(c, error));
      }
      if (verified instanceof Promise) {
        return verified.then(plainBearer).catch((error: unknown) => refuse(c, error));
      }
      return plainBearer(verified);
    } catch (error) {
      return refuse(c, error);
    }
  };
}
