import { z } from 'zod';
import { durationMs, MINUTE } from '../core/config/config-fields.ts';

/**
 * The config section the limits module owns: `limits.*` (LIFT_LIMITS__*). Policies themselves are code
 * (`rateLimit({ policies })`); these are the switches an operator turns without a deploy.
 */
const limitsSection = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Off: every rateLimit() on a route admits every request (an emergency switch; headers are not sent). The login, signup and other attempt throttles (auth.throttle.*) stay on.',
      ),
    store: z
      .enum(['auto', 'memory', 'sql', 'redis'])
      .default('auto')
      .describe(
        'Where counters live: memory (one process), sql (the SQL database; several processes), redis; auto follows storage.kv.',
      ),
    fail: z
      .enum(['open', 'closed'])
      .default('open')
      .describe(
        'When the store does not answer: admit the request (open), or refuse it with 503 (closed). A policy may set its own.',
      ),
    failureLogIntervalMs: durationMs(
      MINUTE,
      'Store failures are logged at most once per interval (with the count since the last line), never per request.',
    ),
    idempotency: z
      .strictObject({
        ttlMs: durationMs(
          24 * 60 * MINUTE,
          'How long idempotency() replays the first completed answer to a retried request with the same key.',
        ),
        leaseMs: durationMs(
          MINUTE,
          'How long a running request holds its Idempotency-Key (a crashed process frees it after this); keep it above http.timeout.ms.',
        ),
      })
      .prefault({}),
    default: z
      .strictObject({
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .default(100)
          .describe('Requests per window of rateLimit() without policies.'),
        windowSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .default(60)
          .describe('Its window, in seconds (per client IP).'),
      })
      .prefault({}),
  })
  .prefault({});

export const limitsConfig = { limits: limitsSection };

declare module '../core/config/schema.ts' {
  interface LiftConfigSections {
    limits: typeof limitsSection;
  }
}
