import type { Principal } from '../core/request-state.ts';
import type { Tokens } from '../tokens/index.ts';
import type { Gateway } from './gateway.ts';
import type { Tickets } from './tickets.ts';

/**
 * The credential a client sends in-band (`{"type":"refresh"}`) to keep its connection past the expiry of the
 * one it connected with: a fresh ticket, or an access token (checked like the bearer resolver checks one; a
 * refresh token or a DPoP-bound token, which cannot carry its proof here, is refused).
 */
export async function checkCredential(
  credential: { token: string } | { ticket: string },
  deps: { tickets: Tickets; tokens: Tokens | undefined; gateway: Gateway | undefined },
): Promise<Principal | null> {
  if ('ticket' in credential) {
    const principal = await deps.tickets.consume(credential.ticket);
    return principal === null || deps.gateway?.wasRevoked(principal) ? null : principal;
  }
  if (deps.tokens === undefined) return null;
  const claims = await deps.tokens.introspect(credential.token);
  return claims.active === true && claims.token_type === 'Bearer' ? principalOfClaims(claims) : null;
}

function principalOfClaims(claims: Record<string, unknown>): Principal {
  const sub = String(claims.sub);
  const principal: Principal = {
    type: 'user',
    id: sub,
    userId: sub,
    sessionId: typeof claims.sid === 'string' ? claims.sid : null,
    authMethod: 'bearer',
    amr: Array.isArray(claims.amr) ? (claims.amr as string[]) : [],
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : Number(claims.iat) * 1000,
    fresh: false,
    expiresAt: Number(claims.exp) * 1000,
  };
  if (typeof claims.tid === 'string') principal.tenantId = claims.tid;
  if (typeof claims.jti === 'string') principal.credentialId = claims.jti;
  return principal;
}
