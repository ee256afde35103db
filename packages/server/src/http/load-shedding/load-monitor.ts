import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** What the load-shedding stage reads on every request: one boolean, kept current by a timer. */
export interface LoadSignal {
  readonly overloaded: boolean;
}

export interface LoadMonitorOptions {
  /** p99 event-loop delay over one sample interval above which the process counts as overloaded. */
  maxEventLoopDelayMs: number;
  /** Heap in use over V8's heap limit above which the process counts as overloaded (0–1). */
  maxHeapUsedRatio: number;
  /** How often the measures are read. Default 250 ms. */
  sampleIntervalMs?: number;
  /** The heap measure; V8's used heap over its limit unless a test gives its own. */
  heapUsedRatio?: () => number;
  /** Told when shedding starts or stops, with the sample that decided it (for one log line per change). */
  onChange?: (overloaded: boolean, sample: LoadSample) => void;
}

/** One reading: the event-loop delay (ms, the larger of p99 and the sampler's own lateness) and the heap ratio. */
export interface LoadSample {
  eventLoopDelayMs: number;
  heapUsedRatio: number;
}

/**
 * Samples in a row over a threshold before shedding starts: one stall (a module loading) is not overload. One
 * stall can show in two samples (the timer's own lateness in one, the histogram's record of it in the next).
 */
const SAMPLES_TO_ENTER = 3;
/** Shedding stops once both measures are back below this share of their thresholds (hysteresis). */
const RECOVERY_SHARE = 0.9;
const NS_PER_MS = 1e6;

function v8HeapUsedRatio(): number {
  const heap = getHeapStatistics();
  return heap.used_heap_size / heap.heap_size_limit;
}

/**
 * Decides "overloaded" off the request path: one unref'd timer reads the event-loop delay histogram
 * (`perf_hooks.monitorEventLoopDelay`, reset each sample) and the heap, and flips one boolean. Its own lateness
 * counts as delay too, so a loop blocked for longer than the histogram resolves is still seen. Started by
 * `app.start()`, stopped by `app.close()`; while stopped it reports not overloaded.
 */
export class LoadMonitor implements LoadSignal {
  overloaded = false;
  readonly #maxDelayMs: number;
  readonly #maxHeapRatio: number;
  readonly #intervalMs: number;
  readonly #heapUsedRatio: () => number;
  readonly #onChange: ((overloaded: boolean, sample: LoadSample) => void) | undefined;
  #histogram: IntervalHistogram | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastSampleAt = 0;
  #overCount = 0;

  constructor(options: LoadMonitorOptions) {
    this.#maxDelayMs = options.maxEventLoopDelayMs;
    this.#maxHeapRatio = options.maxHeapUsedRatio;
    this.#intervalMs = options.sampleIntervalMs ?? 250;
    this.#heapUsedRatio = options.heapUsedRatio ?? v8HeapUsedRatio;
    this.#onChange = options.onChange;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#histogram = monitorEventLoopDelay({ resolution: Math.max(1, Math.min(10, this.#intervalMs / 5)) });
    this.#histogram.enable();
    this.#lastSampleAt = performance.now();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram?.disable();
    this.#histogram = undefined;
    this.overloaded = false;
    this.#overCount = 0;
  }

  #sample(): void {
    const histogram = this.#histogram;
    if (histogram === undefined) return;
    const now = performance.now();
    const lateMs = now - this.#lastSampleAt - this.#intervalMs;
    this.#lastSampleAt = now;
    const p99Ms = histogram.count === 0 ? 0 : histogram.percentile(99) / NS_PER_MS;
    histogram.reset();
    const delayMs = Math.max(p99Ms, lateMs);
    const heapRatio = this.#heapUsedRatio();
    const sample = { eventLoopDelayMs: Math.round(delayMs), heapUsedRatio: heapRatio };
    if (delayMs > this.#maxDelayMs || heapRatio > this.#maxHeapRatio) {
      this.#overCount += 1;
      if (this.#overCount >= SAMPLES_TO_ENTER && !this.overloaded) this.#change(true, sample);
      return;
    }
    this.#overCount = 0;
    if (
      this.overloaded &&
      delayMs < this.#maxDelayMs * RECOVERY_SHARE &&
      heapRatio < this.#maxHeapRatio * RECOVERY_SHARE
    ) {
      this.#change(false, sample);
    }
  }

  #change(overloaded: boolean, sample: LoadSample): void {
    this.overloaded = overloaded;
    this.#onChange?.(overloaded, sample);
  }
}
