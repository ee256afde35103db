/**
 * The telemetry module's public face: the module (metrics, the scrape), its registry for the composition root,
 * readiness reports and the health routes the composition root mounts, and the admin routes that read and
 * change log levels at run time.
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
export { installClusterMetrics } from './metrics/cluster.ts';
export { EmfWriter } from './metrics/emf.ts';
export { HttpMetrics } from './metrics/http-metrics.ts';
export { type MetricsListener, startMetricsListener } from './metrics/listener.ts';
export { type DeclaredMetric, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics/registry.ts';
export { APP_METRICS_OWNER, type Telemetry, telemetryModule } from './module.ts';
export { observedPorts, STORE_METRICS, STORE_METRICS_OWNER } from './observed-ports.ts';
export { createTracer } from './tracing/index.ts';
