import { z } from 'zod';
import { DAY, durationMs, HOUR, MINUTE } from '../core/config/config-fields.ts';

/**
 * The config section the sessions module owns: `sessions.*` (LIFT_SESSIONS__*). Merged into the app's one
 * schema by core's loader when the app has this module; docs/configuration.md lists it.
 */

const sessionsSection = z
  .strictObject({
    store: z
      .enum(['auto', 'sql', 'redis'])
      .default('auto')
      .describe(
        'Session store: sql, or redis (Redis with the SQL database as backup); auto = redis when storage.kv is a redis:// URL.',
      ),
    idleTimeoutMs: durationMs(DAY, 'A session unused this long ends.'),
    absoluteLifetimeMs: durationMs(30 * DAY, 'A session ends this long after login, used or not.'),
    renewIntervalMs: durationMs(MINUTE, 'Sliding renewal writes a session at most once per interval.'),
    cacheTtlMs: durationMs(
      5_000,
      'How long a node trusts a session it validated without asking the store again (revocations reach every node through the broker at once; this bounds a missed broker message).',
    ),
    cacheSize: z.coerce
      .number()
      .int()
      .min(0)
      .default(100_000)
      .describe('Sessions each node keeps in memory.'),
    maxPerUser: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Concurrent sessions per user; 0 = unlimited.'),
    maxPerUserPolicy: z
      .enum(['evict_oldest', 'deny_new'])
      .default('evict_oldest')
      .describe('At the cap: end the oldest session, or refuse the new login.'),
    binding: z
      .enum(['off', 'record', 'enforce'])
      .default('record')
      .describe(
        'When a session changes user-agent family or IP prefix (/24, /48): record an event, or enforce (end the session).',
      ),
    purgeIntervalMs: durationMs(HOUR, 'How often expired sessions and mail tokens are deleted.'),
    cookie: z
      .strictObject({
        name: z
          .string()
          .optional()
          .describe('Cookie name; default __Host-lift_session in production, lift_session otherwise.'),
        secure: z
          .enum(['auto', 'always', 'never'])
          .default('auto')
          .describe('Secure attribute: auto = in production only. Production refuses never.'),
        sameSite: z.enum(['lax', 'strict']).default('lax').describe('SameSite attribute (None is refused).'),
      })
      .prefault({}),
  })
  .prefault({});

/** The sections of the sessions module, as `LiftModule.config`. */
export const sessionsConfig = { sessions: sessionsSection };

declare module '../core/config/schema.ts' {
  interface LiftConfigSections {
    sessions: typeof sessionsSection;
  }
}
