/**
 * The metrics port: what a module records into. A module declares every metric it exports in its contract
 * (`metrics: MetricSpec[]`, `<module>/metrics.ts`) and gets handles for exactly those from
 * `context.metrics` at build time; asking for an undeclared name, or with the wrong type, fails the boot.
 * The telemetry module (telemetry/metrics/) owns the registry behind it and serves it on `/metrics`.
 *
 * Hot paths hold a `series(...)` handle: the label values are resolved once, so recording is one addition.
 */

/** Label values by label name. Values are bounded words (a method, an outcome, a reason code), never people. */
export type MetricLabels = Readonly<Record<string, string | number>>;

/** A metric a module exports (names follow Prometheus conventions: base units, counters end in `_total`). */
export interface MetricSpec {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels?: readonly string[];
  /** Histogram bucket upper bounds, in the metric's unit. Default: 0.5 ms … 10 s, for `_seconds`. */
  buckets?: readonly number[];
  /**
   * How `lift serve --workers N` joins the workers' values into one scrape: `sum` (default; counters,
   * histograms, per-process gauges), `max` (a gauge every worker reads from the same store) or `min` (a state
   * that holds for the machine only when it holds for every worker).
   */
  aggregate?: 'sum' | 'max' | 'min';
}

export interface CounterSeries {
  inc(value?: number): void;
}
export interface GaugeSeries {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}
export interface HistogramSeries {
  observe(value: number): void;
}

export interface Counter extends CounterSeries {
  /** Adds `value` (default 1) to the series of `labels`. */
  add(labels: MetricLabels, value?: number): void;
  /** The series of these label values, for a hot path to keep. */
  series(labels: MetricLabels): CounterSeries;
}
export interface Gauge extends GaugeSeries {
  setFor(labels: MetricLabels, value: number): void;
  series(labels: MetricLabels): GaugeSeries;
  /**
   * Reads the value when scraped instead of when it changes (`sessions_active` counts rows in the store).
   * The reader may be async; a reader that throws leaves the last value and is logged once per interval.
   */
  readOnScrape(read: () => number | Promise<number>): void;
}
export interface Histogram extends HistogramSeries {
  observeFor(labels: MetricLabels, value: number): void;
  series(labels: MetricLabels): HistogramSeries;
}

/** What `context.metrics` gives a module: handles for the metrics it declared. */
export interface ModuleMetrics {
  counter(name: string): Counter;
  gauge(name: string): Gauge;
  histogram(name: string): Histogram;
}

/** Seconds since `start` (a `performance.now()` reading): what `_seconds` histograms observe. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
