import type { Principal } from '../core/request-state.ts';
import type { AccessTokenClaims } from './access-token-claims.ts';

/**
 * The principal an access token stands for — one shape whether the token was issued by this app (the
 * `bearer` resolver of tokens/) or by another Lift and checked against its JWKS (tokens/remote/), so guards
 * (`requireTenant()`, `requireScope()`, the access guards) treat both alike.
 */

export interface TokenPrincipalOptions {
  /** Now, ms since the epoch. */
  now: number;
  /** How long after `auth_time` the principal counts as fresh. */
  freshMs: number;
}

const SCOPE_SEPARATOR = / +/;

export function tokenPrincipal(claims: AccessTokenClaims, options: TokenPrincipalOptions): Principal {
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : claims.iat * 1000;
  const principal: Principal = {
    type: 'user',
    id: claims.sub,
    userId: claims.sub,
    sessionId: claims.sid ?? null,
    authMethod: 'bearer',
    amr: Array.isArray(claims.amr) ? claims.amr : [],
    authTime,
    fresh: options.now - authTime <= options.freshMs,
    expiresAt: claims.exp * 1000,
  };
  if (typeof claims.jti === 'string') principal.credentialId = claims.jti;
  if (typeof claims.tid === 'string') principal.tenantId = claims.tid;
  if (typeof claims.scope === 'string') {
    principal.scopes = claims.scope.split(SCOPE_SEPARATOR).filter((scope) => scope !== '');
  }
  return principal;
}
