import type { LiftInstrument } from './instruments.ts';

/**
 * `metrics.mode: emf`: CloudWatch Embedded Metric Format. Instead of being scraped, what changed since the last
 * flush is written to stdout as EMF JSON lines, which CloudWatch Logs turns into metrics (Lambda, ECS with the
 * awslogs driver, the CloudWatch agent). Flushed at the end of each request (and by
 * `app.module('telemetry').flush()`, for an invocation's end) — never from a timer, which a frozen Lambda
 * would not run. One line per series that changed: its labels are the dimensions; a counter reports what it
 * added, a gauge its value when it changed, a histogram its observations (`Values`/`Counts`).
 * Gauges read when scraped (`sessions_active`, a count in the store) are not in EMF: reading them per request
 * would be a query per request.
 */

const UNITS: Record<string, string> = { seconds: 'Seconds', bytes: 'Bytes' };
/** EMF allows at most 100 values per metric in one document. */
const MAX_VALUES = 100;

function unitOf(instrument: LiftInstrument): string {
  if (instrument.type === 'counter') return 'Count';
  const suffix = /_(seconds|bytes)$/.exec(instrument.name)?.[1];
  return suffix ? (UNITS[suffix] ?? 'None') : 'None';
}

type Values = number | { Values: number[]; Counts: number[] };

/** Observations grouped into distinct values with counts, at most `MAX_VALUES` per document. */
function valueChunks(observations: number[]): { Values: number[]; Counts: number[] }[] {
  const counts = new Map<number, number>();
  for (const value of observations) counts.set(value, (counts.get(value) ?? 0) + 1);
  const entries = [...counts];
  const chunks: { Values: number[]; Counts: number[] }[] = [];
  for (let i = 0; i < entries.length; i += MAX_VALUES) {
    const slice = entries.slice(i, i + MAX_VALUES);
    chunks.push({ Values: slice.map(([value]) => value), Counts: slice.map(([, count]) => count) });
  }
  return chunks;
}

export class EmfWriter {
  readonly #instruments: () => LiftInstrument[];
  readonly #namespace: string;
  readonly #write: (lines: string) => void;
  readonly #now: () => number;

  constructor(options: {
    instruments: () => LiftInstrument[];
    namespace: string;
    write?: (lines: string) => void;
    now?: () => number;
  }) {
    this.#instruments = options.instruments;
    this.#namespace = options.namespace;
    this.#write = options.write ?? ((lines) => process.stdout.write(lines));
    this.#now = options.now ?? Date.now;
  }

  /** Writes what changed since the last flush; writes nothing when nothing did. */
  flush(): void {
    const timestamp = this.#now();
    let out = '';
    for (const instrument of this.#instruments()) {
      for (const [values, labels] of this.#changes(instrument)) {
        out += `${JSON.stringify(this.#document(instrument, labels, values, timestamp))}\n`;
      }
    }
    if (out !== '') this.#write(out);
  }

  *#changes(instrument: LiftInstrument): Generator<[Values, Record<string, string | number>]> {
    if (instrument.type === 'counter') {
      for (const [cell, labels] of instrument.entries()) {
        const added = cell.value - cell.flushed;
        if (added === 0) continue;
        cell.flushed = cell.value;
        yield [added, labels];
      }
    } else if (instrument.type === 'gauge') {
      if (instrument.readOnScrapeOnly) return;
      for (const [cell, labels] of instrument.entries()) {
        if (cell.flushed === cell.value) continue;
        cell.flushed = cell.value;
        yield [cell.value, labels];
      }
    } else {
      for (const [cell, labels] of instrument.entries()) {
        if (cell.pending === undefined || cell.pending.length === 0) continue;
        const observed = cell.pending;
        cell.pending = [];
        for (const chunk of valueChunks(observed)) yield [chunk, labels];
      }
    }
  }

  #document(
    instrument: LiftInstrument,
    labels: Record<string, string | number>,
    values: Values,
    timestamp: number,
  ): Record<string, unknown> {
    const dimensions: Record<string, string> = {};
    for (const [name, value] of Object.entries(labels)) dimensions[name] = String(value);
    return {
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [
          {
            Namespace: this.#namespace,
            Dimensions: [Object.keys(dimensions)],
            Metrics: [{ Name: instrument.name, Unit: unitOf(instrument) }],
          },
        ],
      },
      ...dimensions,
      [instrument.name]: values,
    };
  }
}
