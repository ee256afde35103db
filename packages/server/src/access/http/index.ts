import type { RouteGroup } from '../../core/routes.ts';
import { registerActiveTenantRoutes } from './active-tenant-routes.ts';
import type { AccessRouteDeps } from './deps.ts';
import { registerRoleRoutes } from './role-routes.ts';
import { registerTenantRoutes } from './tenant-routes.ts';

export type { AccessRouteDeps } from './deps.ts';

/** Every access-control endpoint (access/README.md lists them). */
export function registerAccessRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  registerTenantRoutes(app, deps);
  registerRoleRoutes(app, deps);
  registerActiveTenantRoutes(app, deps);
}
