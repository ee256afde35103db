import type { HealthCheck, HealthObservation } from './health.ts';

/**
 * The `outbox` component: the age of the oldest event written to the outbox and not yet relayed to the broker
 * (null when none waits), down above `maxLagMs`. Ages come from the app clock, which stamped the rows.
 */
export function outboxLagCheck(options: {
  oldestUnrelayedAt: () => Promise<number | null>;
  now: () => number;
  maxLagMs: number;
}): HealthCheck {
  return {
    async ping(): Promise<HealthObservation> {
      const oldest = await options.oldestUnrelayedAt();
      const lag = oldest === null ? 0 : Math.max(0, options.now() - oldest);
      if (lag > options.maxLagMs) {
        throw new Error(
          `the oldest event not relayed yet was written ${lag} ms ago (limit ${options.maxLagMs} ms)`,
        );
      }
      return { lag_ms: lag };
    },
  };
}
