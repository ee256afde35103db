import type { RouteGroup } from '../../core/routes.ts';
import type { AccessRouteDeps } from './deps.ts';

/** `/tenants*`, `/invitations/accept`: tenants, members, invitations, leaving and ownership transfer. */
export function registerTenantRoutes(_app: RouteGroup, _deps: AccessRouteDeps): void {
  // Filled in by the tenants work (issue 5).
}
