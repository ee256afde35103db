import type { Logger } from 'pino';
import type { LiftConfig } from '../core/config/schema.ts';
import type { MetricSpec, ModuleMetrics } from '../core/metrics.ts';
import type { LiftModule } from '../core/module.ts';
import { orderModules } from '../core/module-order.ts';
import {
  APP_METRICS_OWNER,
  EmfWriter,
  HttpMetrics,
  MetricsRegistry,
  OUTBOX_METRICS,
  STORE_METRICS,
  STORE_METRICS_OWNER,
  telemetryModule,
} from '../telemetry/index.ts';
import type { PipelineHooks } from './pipeline.ts';

/**
 * The app's metrics, made before any module is built (every module records into the registry from `build`
 * on): the registry with every module's declared metrics and the app's own, the module list with the telemetry
 * module first, and the pipeline's per-route recorder (none when `metrics.mode` is `off`).
 */
export function appMetrics(
  config: LiftConfig,
  log: Logger,
  modules: readonly LiftModule[],
  own: readonly MetricSpec[],
): {
  registry: MetricsRegistry;
  modules: LiftModule[];
  observeRoute: PipelineHooks['observeRoute'];
  /** Counts requests the load-shedding stage refused (`load_shed_total`); undefined with metrics off. */
  loadShed: { inc(): void } | undefined;
  /** Handles for the store metrics (telemetry/observed-ports.ts); undefined with metrics off. */
  storeMetrics: ModuleMetrics | undefined;
} {
  const emf = config.metrics.mode === 'emf';
  const registry = new MetricsRegistry({ log, processMetrics: config.metrics.processMetrics && !emf });
  if (emf) registry.keepObservations();
  const writer = emf
    ? new EmfWriter({ instruments: () => registry.instruments(), namespace: config.metrics.namespace })
    : undefined;
  const all = orderModules([telemetryModule({ registry, emf: writer }), ...modules]);
  for (const module of all) registry.declare(module.name, module.metrics ?? []);
  registry.declare(APP_METRICS_OWNER, own);
  registry.declare(STORE_METRICS_OWNER, [...STORE_METRICS, ...OUTBOX_METRICS]);
  const storeMetrics = config.metrics.mode === 'off' ? undefined : registry.handles(STORE_METRICS_OWNER);
  if (config.metrics.mode === 'off')
    return { registry, modules: all, observeRoute: undefined, storeMetrics, loadShed: undefined };
  const http = new HttpMetrics(registry.handles('telemetry'));
  const loadShed = registry.handles('telemetry').counter('load_shed_total');
  if (writer === undefined) {
    return {
      registry,
      modules: all,
      observeRoute: (route) => http.route(route?.method, route?.path),
      storeMetrics,
      loadShed,
    };
  }
  // EMF: what the request recorded goes out when it is answered (no timer; see telemetry/metrics/emf.ts).
  const observeRoute: PipelineHooks['observeRoute'] = (route) => {
    const metrics = http.route(route?.method, route?.path);
    return {
      record(method, status, seconds) {
        metrics.record(method, status, seconds);
        writer.flush();
      },
    };
  };
  return { registry, modules: all, observeRoute, storeMetrics, loadShed };
}
