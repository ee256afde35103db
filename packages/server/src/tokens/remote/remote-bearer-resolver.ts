import type { Context as HonoContext } from 'hono';
import type { AuthResolver } from '../../core/authenticate.ts';
import type { EventPublisher } from '../../core/events.ts';
import { requestHeader } from '../../core/request-headers.ts';
import type { Principal } from '../../core/request-state.ts';
import { requestOrigin } from '../../sessions/index.ts';
import type { VerifiedAccessToken } from '../access-tokens.ts';
import { TokenRejectedError } from '../token-errors.ts';
import { tokenPrincipal } from '../token-principal.ts';
import type { RemoteTokenMetrics } from './metrics.ts';
import type { RemoteAccessTokens } from './remote-access-tokens.ts';

/**
 * The `bearer` resolver of a resource server: `Authorization: Bearer <access token of the issuer>` → the same
 * `Principal` the issuer's own bearer resolver makes (tokens/token-principal.ts), so `requireAuth()`,
 * `requireScope()` and `requireTenant()` work unchanged. No Authorization header, or another scheme, → `null`
 * for the next resolver. A refused token is 401 `LIFT_TOKEN_INVALID` and a `token.rejected` event with the
 * reason; keys that cannot be fetched are 503 `LIFT_JWKS_UNAVAILABLE`. Key-bound (DPoP) tokens are refused:
 * checking their proofs needs the issuer's replay store.
 */

const AUTHORIZATION = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export interface RemoteBearerResolverOptions {
  accessTokens: RemoteAccessTokens;
  events: EventPublisher;
  /** How long after `auth_time` the principal counts as fresh. */
  freshMs: number;
  now(): number;
  /** Counts verifications by outcome (`remote_token_verifications_total`). */
  metrics?: RemoteTokenMetrics | undefined;
}

export function remoteBearerResolver(options: RemoteBearerResolverOptions): AuthResolver {
  const { accessTokens, events } = options;

  const refuse = (c: HonoContext, error: unknown): never => {
    if (error instanceof TokenRejectedError) {
      options.metrics?.verified(error.reason);
      events.emit('token.rejected', { actor: null, ...requestOrigin(c), reason: error.reason });
    }
    throw error;
  };

  const principalOf = (verified: VerifiedAccessToken): Principal => {
    if (verified.claims.cnf !== undefined) {
      throw new TokenRejectedError('dpop_unsupported', 'Key-bound (DPoP) tokens are not accepted here.');
    }
    const principal = tokenPrincipal(verified.claims, { now: options.now(), freshMs: options.freshMs });
    options.metrics?.verified('ok');
    return principal;
  };

  return (c) => {
    const authorization = requestHeader(c, 'authorization');
    if (authorization === undefined || !/^(?:bearer|dpop)\b/i.test(authorization)) return null;
    try {
      if (/^dpop\b/i.test(authorization)) {
        throw new TokenRejectedError('dpop_unsupported', 'Key-bound (DPoP) tokens are not accepted here.');
      }
      const match = AUTHORIZATION.exec(authorization);
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
