import type { LocalEventHandler } from '../core/events.ts';
import { type MetricSpec, type ModuleMetrics, secondsSince } from '../core/metrics.ts';

/** What the identity module exports for the telemetry module to register (docs/metrics.md). */
export const IDENTITY_METRICS: readonly MetricSpec[] = [
  {
    name: 'auth_attempts_total',
    type: 'counter',
    help: 'Authentication attempts by method (password, totp, recovery_code), outcome (success, failure) and reason (the refusal, mfa_required or none).',
    labels: ['method', 'outcome', 'reason'],
  },
  {
    name: 'auth_latency_seconds',
    type: 'histogram',
    help: 'Time to decide an authentication attempt, by method.',
    labels: ['method'],
  },
  { name: 'lockouts_total', type: 'counter', help: 'Accounts locked after too many failed secrets.' },
];

/** The `method` label of an attempt: the password, or the second factor that decided it. */
export type AuthMethod = 'password' | 'totp' | 'recovery_code';

/** What the identity module records: latency where the decision is made, counts from its events. */
export interface IdentityMetrics {
  /** Runs one authentication decision and observes how long it took (`auth_latency_seconds`). */
  time<T>(method: AuthMethod, decide: () => Promise<T>): Promise<T>;
  /** The local event handler counting `auth_attempts_total` and `lockouts_total`. */
  readonly onEvent: LocalEventHandler;
}

const SECOND_FACTOR: Record<string, AuthMethod> = { otp: 'totp', rc: 'recovery_code' };
/** Refusals of a code that are part of a login (enrolment and removal codes are account changes). */
const LOGIN_CODE_REASONS = new Set(['wrong_code', 'attempts_exhausted', 'locked']);

export function identityMetrics(metrics: ModuleMetrics): IdentityMetrics {
  const attempts = metrics.counter('auth_attempts_total');
  const latency = metrics.histogram('auth_latency_seconds');
  const lockouts = metrics.counter('lockouts_total');
  return {
    async time(method, decide) {
      const started = performance.now();
      try {
        return await decide();
      } finally {
        latency.observeFor({ method }, secondsSince(started));
      }
    },
    onEvent(event) {
      switch (event.type) {
        case 'auth.login.failed':
          attempts.add({ method: 'password', outcome: 'failure', reason: event.reason ?? 'unknown' });
          break;
        case 'auth.mfa.challenged':
          attempts.add({ method: 'password', outcome: 'success', reason: 'mfa_required' });
          break;
        case 'auth.login.succeeded': {
          const mfa = (event.data as { mfa?: string } | undefined)?.mfa;
          const method = mfa === undefined ? 'password' : (SECOND_FACTOR[mfa] ?? 'totp');
          attempts.add({ method, outcome: 'success', reason: 'none' });
          break;
        }
        case 'auth.mfa.failed':
          if (LOGIN_CODE_REASONS.has(event.reason ?? '')) {
            attempts.add({ method: 'totp', outcome: 'failure', reason: event.reason ?? 'unknown' });
          }
          break;
        case 'auth.lockout':
          lockouts.inc();
          break;
      }
    },
  };
}
