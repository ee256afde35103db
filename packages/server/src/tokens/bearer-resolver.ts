import type { Context as HonoContext } from 'hono';
import type { AuthResolver } from '../core/authenticate.ts';
import type { EventPublisher } from '../core/events.ts';
import { requestHeader } from '../core/request-headers.ts';
import type { Principal } from '../core/request-state.ts';
import { requestOrigin } from '../sessions/session-resolver.ts';
import type { AccessTokens, VerifiedAccessToken } from './access-tokens.ts';
import { TokenRejectedError } from './token-errors.ts';

/**
 * The bearer resolver of the authentication chain: `Authorization: Bearer <access token>`. No Authorization
 * header, or another scheme (Basic, an API key), → `null`, for the next resolver. A Bearer token that fails
 * verification is a 401 `LIFT_TOKEN_INVALID` with `WWW-Authenticate` (RFC 6750), never "anonymous", and a
 * `token.rejected` event with the reason. Bearer requests are not subject to CSRF (no ambient credential).
 */

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export interface BearerResolverOptions {
  accessTokens: AccessTokens;
  events: EventPublisher;
  /** How long after `auth_time` the principal counts as fresh. */
  freshMs: number;
  now(): number;
}

export function bearerResolver(options: BearerResolverOptions): AuthResolver {
  const { accessTokens, events, freshMs } = options;

  const refuse = (c: HonoContext, error: unknown): never => {
    if (error instanceof TokenRejectedError) {
      void events.emit({ type: 'token.rejected', actor: null, ...requestOrigin(c), reason: error.reason });
    }
    throw error;
  };

  const principalOf = (verified: VerifiedAccessToken): Principal => {
    const claims = verified.claims;
    if (claims.cnf !== undefined) {
      // A DPoP-bound token presented as a plain bearer token: whoever sends it lacks the proof.
      throw new TokenRejectedError(
        'dpop_required',
        'This token is bound to a key; send it with a DPoP proof.',
      );
    }
    const authTime = typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : claims.iat * 1000;
    const principal: Principal = {
      type: 'user',
      id: claims.sub,
      userId: claims.sub,
      sessionId: claims.sid ?? null,
      authMethod: 'bearer',
      amr: Array.isArray(claims.amr) ? claims.amr : [],
      authTime,
      fresh: options.now() - authTime <= freshMs,
    };
    if (typeof claims.tid === 'string') principal.tenantId = claims.tid;
    return principal;
  };

  return (c) => {
    const authorization = requestHeader(c, 'authorization');
    if (authorization === undefined || !/^bearer\b/i.test(authorization)) return null;
    const match = BEARER.exec(authorization);
    try {
      if (match === null) throw new TokenRejectedError('malformed', 'The Authorization header is malformed.');
      const verified = accessTokens.verify(match[1]!);
      if (verified instanceof Promise) {
        return verified.then(principalOf).catch((error: unknown) => refuse(c, error));
      }
      return principalOf(verified);
    } catch (error) {
      return refuse(c, error);
    }
  };
}
