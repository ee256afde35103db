import type {
  Counter,
  CounterSeries,
  Gauge,
  GaugeSeries,
  Histogram,
  HistogramSeries,
  MetricLabels,
  MetricSpec,
} from '../../core/metrics.ts';

/**
 * Lift's metric instruments. They keep their values in plain objects (recording is an addition on a series
 * the caller may hold) and describe themselves in prom-client's metric shape (`get()`), so prom-client's
 * registry renders them, merges them with its process metrics and aggregates workers (registry.ts).
 * prom-client's own instruments hash the label object on every call; a request records two of them.
 */

/** One value in prom-client's JSON shape (`registry.getMetricsAsJSON()`). */
export interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}
export interface MetricJson {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: MetricValue[];
  /** How workers' values join (prom-client's aggregators; process metrics bring their own). */
  aggregator: 'sum' | 'max' | 'min' | 'first' | 'omit';
}

/** Upper bounds for `_seconds` histograms: half a millisecond (a cached check) to ten seconds (a slow store). */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * Most series one metric keeps. Label values are bounded words, but a bug (a path or an id as a label) must not
 * grow memory and every scrape without end: past the cap, new combinations share one series whose labels all
 * read `overflow`, and the registry logs it once.
 */
export const MAX_SERIES = 2_000;
const OVERFLOW = 'overflow';

abstract class Instrument<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly aggregator: 'sum' | 'max' | 'min';
  readonly #series = new Map<string, S>();
  readonly #labelsOf = new Map<S, Record<string, string | number>>();
  #unlabelled: S | undefined;
  /** Gauges read when scraped (`readOnScrape`) are left out of EMF flushes: their read may be a query. */
  readOnScrapeOnly = false;
  onOverflow: ((name: string) => void) | undefined;

  constructor(spec: MetricSpec) {
    this.name = spec.name;
    this.help = spec.help;
    this.labelNames = spec.labels ?? [];
    this.aggregator = spec.aggregate ?? 'sum';
  }

  /** A metric without labels is exported as 0 from the start, so a rate over it exists before its first event. */
  protected initialise(): void {
    if (this.labelNames.length === 0) void this.unlabelled;
  }

  protected abstract create(): S;

  series(labels: MetricLabels): S {
    const names = this.labelNames;
    let key = '';
    for (let i = 0; i < names.length; i++) key += `${labels[names[i]!] ?? ''}\u0001`;
    let found = this.#series.get(key);
    if (found === undefined) {
      if (this.#series.size >= MAX_SERIES) return this.#overflow();
      found = this.create();
      const own: Record<string, string | number> = {};
      for (const name of names) own[name] = labels[name] ?? '';
      this.#series.set(key, found);
      this.#labelsOf.set(found, own);
    }
    return found;
  }

  /** The series without labels (a metric that declares none). */
  protected get unlabelled(): S {
    this.#unlabelled ??= this.series({});
    return this.#unlabelled;
  }

  #overflow(): S {
    const labels = Object.fromEntries(this.labelNames.map((name) => [name, OVERFLOW]));
    const key = this.labelNames.map(() => `${OVERFLOW}\u0001`).join('');
    let found = this.#series.get(key);
    if (found === undefined) {
      found = this.create();
      this.#series.set(key, found);
      this.#labelsOf.set(found, labels);
      this.onOverflow?.(this.name);
    }
    return found;
  }

  /** Every series with its labels. */
  entries(): IterableIterator<[S, Record<string, string | number>]> {
    return this.#labelsOf.entries();
  }

  /** Forgets every series (tests). */
  reset(): void {
    this.#series.clear();
    this.#labelsOf.clear();
    this.#unlabelled = undefined;
  }

  abstract get(): MetricJson | Promise<MetricJson>;
}

class CounterCell implements CounterSeries {
  value = 0;
  /** The value the last EMF flush reported (telemetry/metrics/emf.ts). */
  flushed = 0;
  inc(value = 1): void {
    if (value > 0) this.value += value;
  }
}

export class LiftCounter extends Instrument<CounterCell> implements Counter {
  readonly type = 'counter' as const;
  constructor(spec: MetricSpec) {
    super(spec);
    this.initialise();
  }
  protected create(): CounterCell {
    return new CounterCell();
  }
  inc(value = 1): void {
    this.unlabelled.inc(value);
  }
  add(labels: MetricLabels, value = 1): void {
    this.series(labels).inc(value);
  }
  get(): MetricJson {
    const values: MetricValue[] = [];
    for (const [cell, labels] of this.entries()) values.push({ value: cell.value, labels });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: this.aggregator };
  }
}

class GaugeCell implements GaugeSeries {
  value = 0;
  /** The value the last EMF flush reported (a gauge starts at 0, which is not news). */
  flushed = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(value = 1): void {
    this.value += value;
  }
  dec(value = 1): void {
    this.value -= value;
  }
}

export class LiftGauge extends Instrument<GaugeCell> implements Gauge {
  readonly type = 'gauge' as const;
  #read: (() => number | Promise<number>) | undefined;
  /** Called with a reader's failure; the registry logs it once per interval. */
  onReadError: ((name: string, error: unknown) => void) | undefined;
  constructor(spec: MetricSpec) {
    super(spec);
    this.initialise();
  }

  protected create(): GaugeCell {
    return new GaugeCell();
  }
  set(value: number): void {
    this.unlabelled.set(value);
  }
  inc(value = 1): void {
    this.unlabelled.inc(value);
  }
  dec(value = 1): void {
    this.unlabelled.dec(value);
  }
  setFor(labels: MetricLabels, value: number): void {
    this.series(labels).set(value);
  }
  readOnScrape(read: () => number | Promise<number>): void {
    this.#read = read;
    this.readOnScrapeOnly = true;
    void this.unlabelled; // the series exists (as 0) before the first scrape reads it
  }
  async get(): Promise<MetricJson> {
    if (this.#read !== undefined) {
      try {
        this.unlabelled.set(await this.#read());
      } catch (error) {
        this.onReadError?.(this.name, error);
      }
    }
    const values: MetricValue[] = [];
    for (const [cell, labels] of this.entries()) values.push({ value: cell.value, labels });
    return { name: this.name, help: this.help, type: 'gauge', values, aggregator: this.aggregator };
  }
}

class HistogramCell implements HistogramSeries {
  /** Observations per bucket, not cumulative (the last slot is above every bound). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Observations since the last EMF flush, kept only in `metrics.mode: emf` (CloudWatch wants the values). */
  pending: number[] | undefined;
  constructor(
    readonly bounds: readonly number[],
    keep: boolean,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    if (keep) this.pending = [];
  }
  observe(value: number): void {
    this.pending?.push(value);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class LiftHistogram extends Instrument<HistogramCell> implements Histogram {
  readonly type = 'histogram' as const;
  readonly bounds: readonly number[];

  constructor(spec: MetricSpec) {
    super(spec);
    const bounds = [...(spec.buckets ?? DEFAULT_SECONDS_BUCKETS)];
    if (bounds.some((bound, i) => i > 0 && bound <= bounds[i - 1]!)) {
      throw new Error(`metric ${spec.name}: buckets must be increasing`);
    }
    this.bounds = bounds;
    this.initialise();
  }
  #keepObservations = false;

  /** In `metrics.mode: emf`: each series keeps its observations until flushed. */
  keepObservations(): void {
    this.#keepObservations = true;
    for (const [cell] of this.entries()) cell.pending ??= [];
  }

  protected create(): HistogramCell {
    return new HistogramCell(this.bounds, this.#keepObservations);
  }
  observe(value: number): void {
    this.unlabelled.observe(value);
  }
  observeFor(labels: MetricLabels, value: number): void {
    this.series(labels).observe(value);
  }
  get(): MetricJson {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [cell, labels] of this.entries()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += cell.counts[i]!;
        values.push({ value: cumulative, labels: { ...labels, le: bound }, metricName: bucket });
      });
      values.push({ value: cell.count, labels: { ...labels, le: '+Inf' }, metricName: bucket });
      values.push({ value: cell.sum, labels, metricName: `${this.name}_sum` });
      values.push({ value: cell.count, labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: this.aggregator };
  }
}

export type LiftInstrument = LiftCounter | LiftGauge | LiftHistogram;

export function createInstrument(spec: MetricSpec): LiftInstrument {
  switch (spec.type) {
    case 'counter':
      return new LiftCounter(spec);
    case 'gauge':
      return new LiftGauge(spec);
    case 'histogram':
      return new LiftHistogram(spec);
  }
}
