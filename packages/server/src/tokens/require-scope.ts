import { principalOf } from '../core/authenticate.ts';
import { ForbiddenError, LiftConfigError } from '../core/errors.ts';
import { guardMiddleware } from '../core/guard.ts';
import { requestScope } from '../core/request-scope.ts';
import { describeMiddleware } from '../core/route-registry.ts';
import type { Middleware } from '../core/routes.ts';
import { requestOrigin } from '../sessions/index.ts';

/**
 * Scope guard for delegated credentials: `requireScope('notes:read')` lets a token principal through only when
 * its `scope` claim grants every named scope; else 403 `LIFT_INSUFFICIENT_SCOPE` with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750 §3.1) and a
 * `token.insufficient_scope` event. Runs after `requireAuth()`; the same guard serves tokens issued by this app
 * (tokens/) and by another Lift (tokens/remote/).
 *
 * A session is the user themself on the app's own origin, not a credential delegated to a client, so a session
 * principal passes: scopes narrow what a token may do, permissions (`requirePermission`) decide what a user
 * may do.
 */

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export class InsufficientScopeError extends ForbiddenError {
  constructor(scopes: readonly string[]) {
    super(`This token lacks the scope ${scopes.join(' ')}.`, 'LIFT_INSUFFICIENT_SCOPE');
    this.headers['www-authenticate'] = `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"`;
  }
}

export function requireScope(...scopes: string[]): Middleware {
  if (scopes.length === 0) throw new LiftConfigError('requireScope() needs at least one scope.');
  for (const scope of scopes) {
    // RFC 6749 §3.3 scope-token characters: no spaces, quotes or backslashes, so the header stays well formed.
    if (!SCOPE_TOKEN.test(scope))
      throw new LiftConfigError(`requireScope(): "${scope}" is not a scope token.`);
  }
  return describeMiddleware(
    guardMiddleware(function scopeGuard(c) {
      const principal = principalOf(c);
      if (principal.authMethod !== 'session') {
        const granted = principal.scopes ?? [];
        const missing = scopes.filter((scope) => !granted.includes(scope));
        if (missing.length > 0) {
          requestScope(c).authenticator?.events?.emit('token.insufficient_scope', {
            actor: principal.id,
            ...requestOrigin(c),
            reason: 'insufficient_scope',
            data: { required: scopes, missing },
          });
          throw new InsufficientScopeError(scopes);
        }
      }
    }),
    { kind: 'scope', scopes: [...scopes] },
  );
}
