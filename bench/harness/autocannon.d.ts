// Minimal typings for the parts of autocannon 9's programmatic API the benchmarks use (the package ships none).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      method?: string;
      headers?: Record<string, string>;
      /** Responses whose body differs are counted in `mismatches`. */
      expectBody?: string;
      title?: string;
    }

    /** Percentile summary; latency values are milliseconds, request values are per second. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
      p99_9: number;
    }

    interface Result {
      url: string;
      requests: Histogram;
      latency: Histogram;
      throughput: Histogram;
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      connections: number;
      pipelining: number;
    }
  }

  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;

  export default autocannon;
}
