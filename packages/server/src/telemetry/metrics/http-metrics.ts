import type { CounterSeries, HistogramSeries, MetricSpec, ModuleMetrics } from '../../core/metrics.ts';

/** The HTTP metrics the pipeline records (docs/metrics.md). */
export const HTTP_METRICS: readonly MetricSpec[] = [
  {
    name: 'http_requests_total',
    type: 'counter',
    help: 'Requests answered, by method, route template (never the raw path) and status.',
    labels: ['method', 'route', 'status'],
  },
  {
    name: 'http_request_duration_seconds',
    type: 'histogram',
    help: 'Time from a request entering the pipeline to its response being ready, by method and route template.',
    labels: ['method', 'route'],
  },
  {
    name: 'load_shed_total',
    type: 'counter',
    help: 'Requests refused with 503 while the process was overloaded (event-loop delay or heap over its threshold).',
  },
];

/** The `route` label of requests no route matched (404, 405, preflights of unknown paths). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Methods Node's parser accepts, plus ours; anything else is counted as `other` so the label stays bounded. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Records `http_requests_total` and `http_request_duration_seconds` for one compiled route. The route's labels
 * are bound once, when the route is compiled; per request the series for a status is one Map lookup.
 */
export class RouteMetrics {
  readonly #byStatus = new Map<string, CounterSeries>();
  readonly #durations = new Map<string, HistogramSeries>();

  constructor(
    private readonly metrics: HttpMetrics,
    private readonly method: string | undefined,
    private readonly route: string,
  ) {}

  record(requestMethod: string, status: number, seconds: number): void {
    // A matched route answers its own method (HEAD is served by GET routes: count what was asked).
    const method =
      this.method !== undefined && this.method === requestMethod
        ? this.method
        : KNOWN_METHODS.has(requestMethod)
          ? requestMethod
          : 'other';
    const key = method === this.method ? String(status) : `${method} ${status}`;
    let counter = this.#byStatus.get(key);
    if (counter === undefined) {
      counter = this.metrics.requests.series({ method, route: this.route, status });
      this.#byStatus.set(key, counter);
    }
    counter.inc();
    let duration = this.#durations.get(method);
    if (duration === undefined) {
      duration = this.metrics.duration.series({ method, route: this.route });
      this.#durations.set(method, duration);
    }
    duration.observe(seconds);
  }
}

export class HttpMetrics {
  readonly requests;
  readonly duration;

  constructor(handles: ModuleMetrics) {
    this.requests = handles.counter('http_requests_total');
    this.duration = handles.histogram('http_request_duration_seconds');
  }

  /** The recorder for one route (`method` undefined: the not-found handler, which answers any method). */
  route(method: string | undefined, template: string | undefined): RouteMetrics {
    return new RouteMetrics(this, method === 'ALL' ? undefined : method, template ?? UNMATCHED_ROUTE);
  }
}
