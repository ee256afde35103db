import type { MetricSpec, ModuleMetrics } from '../core/metrics.ts';
import type { Readiness } from './readiness.ts';

/** Readiness as metrics (docs/metrics.md): the state a load balancer sees, and how often it changed. */
export const READINESS_METRICS: readonly MetricSpec[] = [
  {
    name: 'readiness_state',
    type: 'gauge',
    help: 'Whether /health/ready answers 200 (1: ready or degraded) or 503 (0: unavailable or draining), read when scraped.',
    // A machine under `lift serve --workers N` is ready only when every worker is.
    aggregate: 'min',
  },
  {
    name: 'readiness_transitions_total',
    type: 'counter',
    help: 'Changes between ready (200) and not ready (503) seen by readiness reports (probes and scrapes).',
  },
];

/**
 * Keeps `readiness_state` and `readiness_transitions_total`: every report (a probe, or the scrape itself, which
 * asks for one — cached like a probe's, so a scrape adds no store round trip within `health.cacheMs`) sets the
 * state and counts a change.
 */
export function recordReadiness(metrics: ModuleMetrics, readiness: Readiness): void {
  const state = metrics.gauge('readiness_state');
  const transitions = metrics.counter('readiness_transitions_total');
  let last: number | undefined;
  readiness.onReport((report) => {
    const ready = report.status === 'ready' || report.status === 'degraded' ? 1 : 0;
    if (last !== undefined && last !== ready) transitions.inc();
    last = ready;
    state.set(ready);
  });
  state.readOnScrape(async () => {
    await readiness.report();
    return last ?? 0;
  });
}
