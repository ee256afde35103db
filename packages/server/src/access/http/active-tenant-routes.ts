import type { RouteGroup } from '../../core/routes.ts';
import type { AccessRouteDeps } from './deps.ts';

/** `POST /auth/tenant`: switches the session's (and new tokens') active tenant. */
export function registerActiveTenantRoutes(_app: RouteGroup, _deps: AccessRouteDeps): void {
  // Filled in by the active-tenant work (issue 5).
}
