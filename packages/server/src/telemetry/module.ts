import cluster from 'node:cluster';
import { requireAuth } from '../core/authenticate.ts';
import type { ModuleMetrics } from '../core/metrics.ts';
import type { LiftModule } from '../core/module.ts';
import { installWorkerMetrics } from './metrics/cluster.ts';
import type { EmfWriter } from './metrics/emf.ts';
import { HTTP_METRICS } from './metrics/http-metrics.ts';
import { type MetricsListener, startMetricsListener } from './metrics/listener.ts';
import { type DeclaredMetric, type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics/registry.ts';
import { READINESS_METRICS } from './readiness-metrics.ts';

/** The telemetry module's face: `app.module('telemetry')`. */
export interface Telemetry {
  /**
   * Handles for the app's own metrics, declared with `createLift(config, { metrics: [...] })`:
   * `app.module('telemetry').metrics.counter('notes_created_total').inc()`.
   */
  readonly metrics: ModuleMetrics;
  /** The Prometheus text of this app — of the whole cluster under `lift serve --workers N`. */
  scrape(): Promise<string>;
  /** The separate metrics listener's scrape URL (`metrics.port`), once the app has started. */
  metricsUrl(): string | undefined;
  /** Every metric the modules and the app declared, with its owner (docs/metrics.md is made from it). */
  declared(): DeclaredMetric[];
  /**
   * `metrics.mode: emf`: writes what changed since the last flush as EMF lines now (the end of a serverless
   * invocation). Requests flush themselves; a no-op in the other modes.
   */
  flush(): void;
}

declare module '../core/module.ts' {
  interface LiftModules {
    telemetry: Telemetry;
  }
}

/** The owner name of the metrics an app declares itself (`createLift`'s `metrics` option). */
export const APP_METRICS_OWNER = 'app';

/**
 * The telemetry module: the HTTP metrics (recorded by the pipeline), the Prometheus scrape — on the app port
 * behind `metrics:read`, or on a separate private listener (`metrics.port`) — and, in a cluster worker, the
 * answer to the primary's collection round (metrics/cluster.ts). The registry itself is made by the
 * composition root before any module is built, since every module records into it from `build` on.
 */
export function telemetryModule(kernel: {
  registry: MetricsRegistry;
  emf?: EmfWriter | undefined;
}): LiftModule<'telemetry', Telemetry> {
  return {
    name: 'telemetry',
    metrics: [...HTTP_METRICS, ...READINESS_METRICS],
    build(context) {
      const { config, log } = context;
      const { registry } = kernel;
      const prometheus = config.metrics.mode === 'prometheus';
      let worker: ReturnType<typeof installWorkerMetrics> | undefined;
      let listener: MetricsListener | undefined;
      const scrape = () => (worker ? worker.scrape() : registry.render());
      return {
        face: {
          metrics: registry.handles(APP_METRICS_OWNER),
          scrape,
          metricsUrl: () => listener?.url,
          declared: () => registry.declared(),
          flush: () => kernel.emf?.flush(),
        },
        async start() {
          if (!prometheus) return;
          // Under `lift serve --workers N` the primary serves `metrics.port` and gathers every worker.
          if (cluster.isWorker) {
            worker = installWorkerMetrics(() => registry.collect());
            return;
          }
          // A cluster primary (workers > 1) only prepares the data with this app; it serves the port itself.
          if (config.metrics.port !== undefined && config.workers <= 1) {
            listener = await startMetricsListener({
              host: config.metrics.host,
              port: config.metrics.port,
              path: config.metrics.path,
              scrape,
            });
            log.info({ url: listener.url }, 'metrics listener started');
          }
        },
        async close() {
          kernel.emf?.flush(); // what the last requests' event handlers recorded
          worker?.uninstall();
          worker = undefined;
          await listener?.close();
          listener = undefined;
        },
        routes(app) {
          if (!prometheus || config.metrics.port !== undefined) return;
          const permit = context.capability('globalPermission');
          if (permit === undefined) {
            // No access module, so nobody could hold metrics:read: the scrape needs its own listener.
            if (config.env === 'production') {
              log.warn('metrics are not served: set metrics.port, or add the access module for metrics:read');
            }
            return;
          }
          app.group('/', requireAuth(), permit('metrics:read')).get(config.metrics.path, {
            summary: 'The Prometheus scrape (needs metrics:read).',
            responses: {
              200: { mediaType: 'text/plain', description: 'Prometheus text exposition format 0.0.4' },
            },
            handler: async () =>
              new Response(await scrape(), {
                headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' },
              }),
          });
        },
      };
    },
  };
}
