import { logLevelsOf } from '../core/log-levels.ts';
import { registerLogLevelRoutes } from '../telemetry/index.ts';
import type { LiftApp } from './create-lift.ts';
import { mountOpenApi } from './openapi-route.ts';

/**
 * What `createLift()` does once the app and its modules are built: checks and applies `log.modules` (an
 * unknown name fails the boot), and mounts the routes the app serves itself rather than a module — the OpenAPI
 * document, and the log-level admin API when the app has the access module whose global-permission guard it
 * sits behind.
 */
export function finishApp(app: LiftApp): void {
  logLevelsOf(app.log).configure(app.config.log.modules);
  if (app.modules.includes('access')) {
    registerLogLevelRoutes(app, {
      levels: logLevelsOf(app.log),
      permit: (permission) => app.guards.requirePermission(permission, { global: true }),
      events: app.events,
      log: app.log,
      prefix: app.config.auth.adminPrefix,
    });
  }
  mountOpenApi(app);
}
