/**
 * The telemetry module's public face: health components and readiness reports, and the health routes the
 * composition root mounts.
 */
export { AppHealth, type AppHealthOptions } from './app-health.ts';
export {
  type ComponentReport,
  type HealthCheck,
  type HealthComponent,
  type HealthObservation,
  type ReadinessReport,
  readinessStatus,
} from './health.ts';
export { registerHealthRoutes } from './health-routes.ts';
export { checkReadiness, Readiness } from './readiness.ts';
