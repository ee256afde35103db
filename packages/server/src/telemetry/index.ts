/**
 * The telemetry module's public face: the app's health components (`AppHealth`), the report types, and the
 * health routes the composition root mounts.
 */
export { AppHealth, type AppHealthOptions } from './app-health.ts';
export type {
  ComponentReport,
  HealthCheck,
  HealthComponent,
  HealthObservation,
  ReadinessReport,
} from './health.ts';
export { registerHealthRoutes } from './health-routes.ts';
export type { Readiness } from './readiness.ts';
