import type { Logger } from 'pino';
import type * as PromClient from 'prom-client';
import { LiftConfigError } from '../../core/errors.ts';
import { lazyRequire } from '../../core/lazy-require.ts';
import type { Counter, Gauge, Histogram, MetricSpec, ModuleMetrics } from '../../core/metrics.ts';
import {
  createInstrument,
  LiftCounter,
  LiftGauge,
  LiftHistogram,
  type LiftInstrument,
  type MetricJson,
} from './instruments.ts';

const promClient = lazyRequire<typeof PromClient>('prom-client');

/**
 * prom-client's process metrics that promtool refuses: gauges whose names end in `_total`. Their siblings
 * without the suffix (`nodejs_active_handles`, …) say the same.
 */
const REFUSED_PROCESS_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A declared metric and who declared it (a module's name, or `app`). */
export type DeclaredMetric = MetricSpec & { owner: string };

/** The Prometheus text format's content type. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Every metric of one app: the modules' declared metrics (`context.metrics`), the HTTP metrics, the app's own
 * and the process metrics (prom-client's defaults, loaded on the first scrape so that an app which is never
 * scraped never loads prom-client). A name is declared once; a module asks only for what it declared.
 */
export class MetricsRegistry {
  readonly #instruments = new Map<string, { instrument: LiftInstrument; owner: string; spec: MetricSpec }>();
  readonly #log: Logger;
  readonly #processMetrics: boolean;
  #process: PromClient.Registry | undefined;
  readonly #reported = new Map<string, number>();
  #keep = false;

  constructor(options: { log: Logger; processMetrics?: boolean }) {
    this.#log = options.log;
    this.#processMetrics = options.processMetrics ?? true;
  }

  /** Declares `specs` for `owner` (a module, `http`, `app`); a name declared twice fails the boot. */
  declare(owner: string, specs: readonly MetricSpec[]): void {
    for (const spec of specs) {
      const earlier = this.#instruments.get(spec.name);
      if (earlier !== undefined) {
        throw new LiftConfigError(
          `The metric "${spec.name}" is declared by both "${earlier.owner}" and "${owner}"; keep one.`,
        );
      }
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(spec.name)) {
        throw new LiftConfigError(
          `The metric name "${spec.name}" (from "${owner}") is not a Prometheus name.`,
        );
      }
      const instrument = createInstrument(spec);
      if (this.#keep && instrument instanceof LiftHistogram) instrument.keepObservations();
      instrument.onOverflow = (name) =>
        this.#once(`overflow:${name}`, () =>
          this.#log.warn(
            { metric: name },
            'metric has too many label combinations; new ones are counted under "overflow"',
          ),
        );
      if (instrument instanceof LiftGauge) {
        instrument.onReadError = (name, error) =>
          this.#once(`read:${name}`, () =>
            this.#log.warn({ metric: name, err: error }, 'could not read a metric when scraped'),
          );
      }
      this.#instruments.set(spec.name, { instrument, owner, spec });
    }
  }

  /** Lift's instruments (not the process metrics), for the EMF writer. */
  instruments(): LiftInstrument[] {
    return [...this.#instruments.values()].map(({ instrument }) => instrument);
  }

  /** `metrics.mode: emf`: histograms keep their observations until the EMF writer flushes them. */
  keepObservations(): void {
    this.#keep = true;
    for (const instrument of this.instruments()) {
      if (instrument instanceof LiftHistogram) instrument.keepObservations();
    }
  }

  /** Handles for the metrics `owner` declared (what `context.metrics` is). */
  handles(owner: string): ModuleMetrics {
    const get = <T>(name: string, type: MetricSpec['type'], kind: new (...args: never[]) => T): T => {
      const entry = this.#instruments.get(name);
      if (entry === undefined || entry.owner !== owner) {
        throw new LiftConfigError(
          `"${owner}" records the metric "${name}" without declaring it in its metrics list.`,
        );
      }
      if (!(entry.instrument instanceof kind)) {
        throw new LiftConfigError(`The metric "${name}" is a ${entry.instrument.type}, not a ${type}.`);
      }
      return entry.instrument as T;
    };
    return {
      counter: (name): Counter => get(name, 'counter', LiftCounter),
      gauge: (name): Gauge => get(name, 'gauge', LiftGauge),
      histogram: (name): Histogram => get(name, 'histogram', LiftHistogram),
    };
  }

  /**
   * Every declared metric with its owner (a module, `app`), in declaration order, then the process metrics
   * (owner `process`) when they are on.
   */
  declared(): DeclaredMetric[] {
    const own = [...this.#instruments.values()].map(({ owner, spec }) => ({ ...spec, owner }));
    if (!this.#processMetrics) return own;
    const process = this.#processRegistry()
      .getMetricsAsArray()
      .map((metric) => {
        const described = metric as unknown as {
          name: string;
          help: string;
          type: string;
          labelNames?: string[];
        };
        return {
          name: described.name,
          help: described.help,
          type: described.type as MetricSpec['type'],
          labels: described.labelNames ?? [],
          owner: 'process',
        };
      });
    return [...own, ...process];
  }

  /** This process's metrics in prom-client's JSON shape (what a worker hands the primary). */
  async collect(): Promise<MetricJson[]> {
    const own = await Promise.all([...this.#instruments.values()].map(({ instrument }) => instrument.get()));
    if (!this.#processMetrics) return own;
    const process = (await this.#processRegistry().getMetricsAsJSON()) as unknown as MetricJson[];
    return [...process, ...own];
  }

  /** This process's metrics in the Prometheus text format. */
  async render(): Promise<string> {
    return renderMetrics([await this.collect()]);
  }

  #processRegistry(): PromClient.Registry {
    if (this.#process === undefined) {
      const client = promClient();
      const registry = new client.Registry();
      client.collectDefaultMetrics({ register: registry });
      for (const name of REFUSED_PROCESS_METRICS) registry.removeSingleMetric(name);
      this.#process = registry;
    }
    return this.#process;
  }

  /** Runs `say` at most once a minute per key: a broken reader must not flood the log at every scrape. */
  #once(key: string, say: () => void): void {
    const now = Date.now();
    const last = this.#reported.get(key);
    if (last !== undefined && now - last < 60_000) return;
    this.#reported.set(key, now);
    say();
  }
}

/**
 * The Prometheus text of one or more processes' metrics: values of the same series are joined by each
 * metric's aggregator (`sum`, or `max` for a gauge every process reads from one store), as a scrape of
 * `lift serve --workers N` must see one cluster, not one worker.
 */
export async function renderMetrics(processes: MetricJson[][]): Promise<string> {
  const { AggregatorRegistry } = promClient();
  // One process keeps everything; across workers prom-client omits what cannot be joined (start time).
  const input =
    processes.length === 1
      ? [processes[0]!.map((metric) => ({ ...metric, aggregator: 'first' as const }))]
      : processes;
  const aggregated = AggregatorRegistry.aggregate(
    input as unknown as PromClient.MetricObjectWithValues<PromClient.MetricValue<string>>[][],
  );
  return aggregated.metrics();
}
