import type { RouteGroup } from '../../core/routes.ts';
import type { AccessRouteDeps } from './deps.ts';

/** `/admin/api/roles`, `/admin/api/grants`, `/admin/api/access/check`, `/tenants/:tenantId/roles`. */
export function registerRoleRoutes(_app: RouteGroup, _deps: AccessRouteDeps): void {
  // Filled in by the roles work (issue 5).
}
