import { principalOf } from '../core/authenticate.ts';
import { ForbiddenError } from '../core/errors.ts';
import { requestHeader } from '../core/request-headers.ts';
import { requestScope } from '../core/request-scope.ts';
import type { Middleware } from '../core/routes.ts';
import { requestOrigin } from '../sessions/index.ts';

/**
 * Tenant binding: the route's tenant — the `:tenantId` path parameter, else the `X-Tenant-Id` header — must be
 * the principal's active tenant (an access token's `tid`). A mismatch, or a principal without an active tenant
 * on a tenant route, is 403 `LIFT_TENANT_MISMATCH` and a `token.tenant_mismatch` event. Runs after
 * `requireAuth()`. Routes without a tenant pass.
 */

export class TenantMismatchError extends ForbiddenError {
  constructor() {
    super(
      'This token is for another tenant (or none); switch tenants and use the new token.',
      'LIFT_TENANT_MISMATCH',
    );
  }
}

export interface RequireTenantOptions {
  /** Path parameter naming the tenant. Default `tenantId`. */
  param?: string;
}

export function requireTenant(options: RequireTenantOptions = {}): Middleware {
  const param = options.param ?? 'tenantId';
  return async function tenantGuard(c, next) {
    const principal = principalOf(c);
    const routeTenant = c.req.param(param) ?? requestHeader(c, 'x-tenant-id');
    if (routeTenant !== undefined && routeTenant !== principal.tenantId) {
      await requestScope(c).authenticator?.events?.emit({
        type: 'token.tenant_mismatch',
        actor: principal.id,
        ...requestOrigin(c),
        reason: 'tenant_mismatch',
        data: { routeTenant, principalTenant: principal.tenantId ?? null },
      });
      throw new TenantMismatchError();
    }
    await next();
  };
}
