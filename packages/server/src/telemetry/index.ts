/**
 * The telemetry module's public face: the module (metrics, the scrape), its registry for the composition root,
 * the app's health components (`AppHealth`) and the health routes, and the admin routes that read and change log
 * levels at run time.
 */
export { AppHealth, type AppHealthOptions, type ProcessMonitor } from './app-health.ts';
export { TELEMETRY_ERRORS } from './error-codes.ts';
export type {
  ComponentReport,
  HealthCheck,
  HealthComponent,
  HealthObservation,
  ReadinessReport,
} from './health.ts';
export { registerHealthRoutes } from './health-routes.ts';
export { type LogLevelRouteDeps, LogModuleUnknownError, registerLogLevelRoutes } from './log-level-routes.ts';
export { installClusterMetrics } from './metrics/cluster.ts';
export { EmfWriter } from './metrics/emf.ts';
export { HttpMetrics } from './metrics/http-metrics.ts';
export { type MetricsListener, startMetricsListener } from './metrics/listener.ts';
export { type DeclaredMetric, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics/registry.ts';
export { APP_METRICS_OWNER, type Telemetry, telemetryModule } from './module.ts';
export {
  OUTBOX_METRICS,
  observedPorts,
  recordOutboxBacklog,
  STORE_METRICS,
  STORE_METRICS_OWNER,
} from './observed-ports.ts';
export type { Readiness } from './readiness.ts';
export { recordReadiness } from './readiness-metrics.ts';
export { createTracer } from './tracing/index.ts';
