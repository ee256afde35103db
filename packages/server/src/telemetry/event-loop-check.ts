import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { HealthCheck, HealthObservation } from './health.ts';

const NS_PER_MS = 1e6;

/**
 * The `event-loop` component: p99 of the event-loop delay since the previous check (the histogram is reset by
 * each check), down above `maxDelayMs`. The monitor samples every `resolutionMs` from `start()` (app start) to
 * `stop()` (close); before it starts there is nothing to judge, and the check is up.
 */
export class EventLoopDelayCheck implements HealthCheck {
  readonly #maxDelayMs: number;
  readonly #resolutionMs: number;
  #histogram: IntervalHistogram | undefined;

  constructor(options: { maxDelayMs: number; resolutionMs?: number }) {
    this.#maxDelayMs = options.maxDelayMs;
    this.#resolutionMs = options.resolutionMs ?? 10;
  }

  start(): void {
    if (this.#histogram !== undefined) return;
    this.#histogram = monitorEventLoopDelay({ resolution: this.#resolutionMs });
    this.#histogram.enable();
  }

  stop(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
  }

  async ping(): Promise<HealthObservation> {
    const histogram = this.#histogram;
    if (histogram === undefined || histogram.count === 0) return { p99_ms: 0, max_ms: 0, samples: 0 };
    const observed = {
      p99_ms: round(histogram.percentile(99) / NS_PER_MS),
      max_ms: round(histogram.max / NS_PER_MS),
      samples: histogram.count,
    };
    histogram.reset();
    if (observed.p99_ms > this.#maxDelayMs) {
      throw new Error(
        `event-loop delay p99 ${observed.p99_ms} ms (max ${observed.max_ms} ms) since the previous check is above ${this.#maxDelayMs} ms`,
      );
    }
    return observed;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
