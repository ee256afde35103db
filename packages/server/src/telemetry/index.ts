/**
 * The telemetry module's public face: readiness reports and the health routes the composition root mounts, and
 * the admin routes that read and change log levels at run time.
 */

export { TELEMETRY_ERRORS } from './error-codes.ts';
export {
  type ComponentReport,
  checkReadiness,
  type HealthComponent,
  type ReadinessReport,
} from './health.ts';
export { registerHealthRoutes } from './health-routes.ts';
export { type LogLevelRouteDeps, LogModuleUnknownError, registerLogLevelRoutes } from './log-level-routes.ts';
