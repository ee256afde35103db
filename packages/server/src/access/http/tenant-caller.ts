import { principalOf } from '../../core/authenticate.ts';
import type { Context } from '../../core/context.ts';
import { requestOrigin } from '../../sessions/index.ts';
import type { Caller, TenantFlowDeps } from '../tenants/tenant-flow-deps.ts';
import type { AccessRouteDeps } from './deps.ts';

/** The caller of a request that passed `requireAuth()`. */
export function callerOf(ctx: Context): Caller {
  return { principal: principalOf(ctx.raw), origin: requestOrigin(ctx.raw) };
}

/** The ports the tenant flows run on, resolved per request (storage opens lazily). */
export function tenantFlowDeps(deps: AccessRouteDeps): TenantFlowDeps {
  return deps.flows();
}

/** The `:tenantId` of a route under `/tenants/:tenantId`. */
export function tenantIdOf(ctx: Context): string {
  return ctx.params.tenantId ?? '';
}
