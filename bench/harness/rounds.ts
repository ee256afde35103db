/**
 * Runs every target once per round, alternating the order each round, and prints one line per measurement.
 */
import type { LoadResult } from './load-protocol.ts';
import { formatInteger, formatRatio } from './report.ts';

export interface Measurement<T> {
  target: T;
  rounds: LoadResult[];
}

export interface RoundsOptions<T> {
  rounds: number;
  /** What a progress line calls the target, padded to `nameWidth`. */
  name(target: T): string;
  nameWidth: number;
  measure(target: T): Promise<LoadResult>;
}

export async function measureInRounds<T>(
  targets: readonly T[],
  options: RoundsOptions<T>,
): Promise<Measurement<T>[]> {
  const measurements = targets.map((target): Measurement<T> => ({ target, rounds: [] }));
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate the order so slow drift on a shared machine does not always favour the same target.
    const order = round % 2 === 1 ? measurements : [...measurements].reverse();
    for (const measurement of order) {
      const result = await options.measure(measurement.target);
      measurement.rounds.push(result);
      console.log(
        `round ${round}/${options.rounds}  ${options.name(measurement.target).padEnd(options.nameWidth)} ` +
          `${formatInteger(result.requestsPerSecond).padStart(8)} req/s  p99 ${result.latencyP99Ms.toFixed(1)} ms`,
      );
    }
  }
  return measurements;
}

/** The round with the highest requests/s: noise from other processes only ever makes a run slower. */
export function best<T extends { label: string }>(measurement: Measurement<T>): LoadResult {
  const [first, ...rest] = measurement.rounds;
  if (first === undefined) throw new Error(`${measurement.target.label}: no rounds measured`);
  return rest.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a), first);
}

/**
 * A throughput table row of a target with a request path: label, request, the best round's requests/s and p99,
 * the ratio to `baselineRps`, and the requests/s of every round.
 */
export function throughputRow<T extends { label: string; path: string }>(
  measurement: Measurement<T>,
  baselineRps: number,
): string[] {
  const result = best(measurement);
  return [
    measurement.target.label,
    `GET ${measurement.target.path}`,
    formatInteger(result.requestsPerSecond),
    result.latencyP99Ms.toFixed(1),
    formatRatio(result.requestsPerSecond / baselineRps),
    measurement.rounds.map((r) => formatInteger(r.requestsPerSecond)).join(' / '),
  ];
}
