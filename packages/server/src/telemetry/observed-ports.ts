import type { CounterSeries, HistogramSeries, MetricSpec, ModuleMetrics } from '../core/metrics.ts';
import type { LiftPorts } from '../core/module.ts';
import { type Tracer, traced } from '../core/tracing.ts';

/**
 * Every store call, observed in one place for every backend (SQL, Redis, memory) and every module: each port
 * the shape built is wrapped so that a method call is timed and counted (`store_operation_duration_seconds`,
 * `store_errors_total`, by port, adapter and method) and, with tracing on, becomes a `<port>.<method>` span
 * (`users.findByEmail`, `kv.increment`), a child of the active span. Calls made outside any span (timers, the
 * relay's polls) are measured but not traced: they would each start a trace of one span and bury the requests.
 *
 * Ports stay lazy (mail and sessions are made when a module first takes them). The mail port is not a store
 * and is left as is. With metrics off and tracing off, the ports are returned untouched.
 */

export const STORE_METRICS: readonly MetricSpec[] = [
  {
    name: 'store_operation_duration_seconds',
    type: 'histogram',
    help: 'Time of one store call, by store (the port: users, sessions, kv …), adapter (sqlite, postgres, redis, memory) and operation (the method).',
    labels: ['store', 'adapter', 'operation'],
  },
  {
    name: 'store_errors_total',
    type: 'counter',
    help: 'Store calls that failed (threw or rejected), by store, adapter and operation.',
    labels: ['store', 'adapter', 'operation'],
  },
];

/** The outbox's backlog, read when scraped (two indexed queries on the undone rows). */
export const OUTBOX_METRICS: readonly MetricSpec[] = [
  {
    name: 'outbox_lag_seconds',
    type: 'gauge',
    help: 'Age of the oldest event written but not relayed yet (0 when none waits).',
    aggregate: 'max',
  },
  {
    name: 'outbox_pending_events',
    type: 'gauge',
    help: 'Events written but not relayed yet.',
    aggregate: 'max',
  },
];

/** Reads the outbox's backlog into its gauges at each scrape. */
export function recordOutboxBacklog(
  metrics: ModuleMetrics,
  outbox: { oldestUnrelayedAt(): Promise<number | null>; unrelayedCount(): Promise<number> },
  now: () => number,
): void {
  metrics.gauge('outbox_lag_seconds').readOnScrape(async () => {
    const oldest = await outbox.oldestUnrelayedAt();
    return oldest === null ? 0 : Math.max(0, now() - oldest) / 1000;
  });
  metrics.gauge('outbox_pending_events').readOnScrape(() => outbox.unrelayedCount());
}

/** The owner name of the store and outbox metrics. */
export const STORE_METRICS_OWNER = 'storage';

/** Ports that are not stores. */
const NOT_STORES = new Set(['mail']);

export interface PortObservation {
  tracer: Tracer;
  /** Handles for `STORE_METRICS`, or undefined when metrics are off. */
  metrics: ModuleMetrics | undefined;
  /** The adapter behind a port (`sqlite`, `postgres`, `redis`, `memory`). */
  adapterOf(port: string): string;
}

export function observedPorts(ports: LiftPorts, observation: PortObservation): LiftPorts {
  if (!observation.tracer.enabled && observation.metrics === undefined) return ports;
  const wrapped = {} as LiftPorts;
  for (const name of Object.keys(ports) as Array<keyof LiftPorts>) {
    let port: object | undefined;
    Object.defineProperty(wrapped, name, {
      enumerable: true,
      get() {
        const raw = ports[name] as object;
        port ??= NOT_STORES.has(String(name)) ? raw : observedPort(String(name), raw, observation);
        return port;
      },
    });
  }
  return wrapped;
}

interface MethodMetrics {
  duration: HistogramSeries;
  errors: CounterSeries;
}

function observedPort<T extends object>(name: string, port: T, observation: PortObservation): T {
  const { tracer, metrics } = observation;
  // Wrappers by method name, rebuilt when the port's method is replaced (a test's spy, a patched method).
  const methods = new Map<PropertyKey, { of: unknown; wrapper: unknown }>();
  const adapter = observation.adapterOf(name);
  return new Proxy(port, {
    get(target, key) {
      // The target as receiver: class ports keep their private fields working.
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key === 'symbol' || key === 'constructor') return value;
      const known = methods.get(key);
      if (known !== undefined && known.of === value) return known.wrapper;
      const call = value as (...args: unknown[]) => unknown;
      const measured = metrics === undefined ? undefined : methodMetrics(metrics, name, adapter, key);
      const spanName = `${name}.${key}`;
      const attributes = { 'lift.store.port': name, 'lift.store.operation': key };
      const run = (args: unknown[]) =>
        tracer.enabled && tracer.active() !== undefined
          ? traced(tracer, spanName, attributes, () => call.apply(target, args))
          : call.apply(target, args);
      const wrapper = measured === undefined ? (...args: unknown[]) => run(args) : timed(run, measured);
      methods.set(key, { of: value, wrapper });
      return wrapper;
    },
  });
}

function methodMetrics(
  metrics: ModuleMetrics,
  store: string,
  adapter: string,
  operation: string,
): MethodMetrics {
  const labels = { store, adapter, operation };
  return {
    duration: metrics.histogram('store_operation_duration_seconds').series(labels),
    errors: metrics.counter('store_errors_total').series(labels),
  };
}

function timed(run: (args: unknown[]) => unknown, measured: MethodMetrics) {
  return (...args: unknown[]): unknown => {
    const started = performance.now();
    const done = () => measured.duration.observe((performance.now() - started) / 1000);
    const failed = (error: unknown) => {
      done();
      measured.errors.inc();
      throw error;
    };
    let result: unknown;
    try {
      result = run(args);
    } catch (error) {
      failed(error);
    }
    if (result instanceof Promise) {
      return result.then((value: unknown) => {
        done();
        return value;
      }, failed);
    }
    done();
    return result;
  };
}
