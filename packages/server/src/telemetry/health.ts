/**
 * Liveness and readiness, as types. Live: the process answers. Ready: every critical component (SQL, key-value
 * store, broker, migrations, and whatever modules and the app register) answers within its timeout; a
 * non-critical one (mail transport, outbox lag, event-loop delay) that does not only makes the node "degraded".
 */

/** What a check may report besides "up": measurements shown under `observed` (`free_bytes`, `p99_ms`). */
export type HealthObservation = Record<string, number | string>;

/** A component check: resolves when the component is fine (optionally with what it measured); rejects otherwise. */
export interface HealthCheck {
  // biome-ignore lint/suspicious/noConfusingVoidType: so that every storage `Pingable` (Promise<void>) is a HealthCheck.
  ping(): Promise<void | HealthObservation>;
}

export interface HealthComponent {
  name: string;
  check: HealthCheck;
  /**
   * Default true: while it is down readiness is 503 and the load balancer stops sending. False: reported, and
   * readiness says `degraded` with 200 — for what taking the node out would not fix.
   */
  critical?: boolean;
  /** How long its result is reused, instead of `health.cacheMs`. */
  cacheMs?: number;
}

export interface ComponentReport {
  status: 'up' | 'down';
  /** How long the check that produced this result took (it may be up to the cache window old). */
  latency_ms: number;
  critical: boolean;
  error?: string;
  observed?: HealthObservation;
}

export interface ReadinessReport {
  /**
   * `ready` (200) every component up; `degraded` (200) only non-critical ones down; `unavailable` (503) a
   * critical one down; `draining` (503) the app is closing.
   */
  status: 'ready' | 'degraded' | 'unavailable' | 'draining';
  components: Record<string, ComponentReport>;
  /** Critical components that are down: the status is 503 when any is. */
  failing: string[];
  /** Non-critical components that are down. */
  degraded: string[];
}

/** The HTTP status of a readiness report. */
export function readinessStatus(report: ReadinessReport): 200 | 503 {
  return report.status === 'ready' || report.status === 'degraded' ? 200 : 503;
}
