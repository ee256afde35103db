/**
 * The telemetry module's public face: readiness reports and the health routes the composition root mounts.
 */
export {
  type ComponentReport,
  checkReadiness,
  type HealthComponent,
  type ReadinessReport,
} from './health.ts';
export { registerHealthRoutes } from './health-routes.ts';
export { createTracer } from './tracing/index.ts';
export { tracedPorts } from './tracing/traced-ports.ts';
