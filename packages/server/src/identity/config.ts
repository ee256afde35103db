import { z } from 'zod';
import { DAY, durationMs, MINUTE } from '../core/config/config-fields.ts';

/**
 * The config sections the identity module owns: `signup.*`, `passwords.*` and `lockout.*`. Merged into the
 * app's one schema by core's loader when the app has this module; docs/configuration.md lists them. The `auth`
 * section stays in core: sessions, tokens and access read its prefixes, public URL and CSRF origins too.
 */

const signupSection = z
  .strictObject({
    mode: z
      .enum(['open', 'invite', 'closed'])
      .default('open')
      .describe('open: anyone may sign up; invite: only through an invitation; closed: no signup route.'),
  })
  .prefault({});

const passwordsSection = z
  .strictObject({
    minLength: z.coerce.number().int().min(8).max(128).default(12).describe('Minimum password length.'),
    minScore: z.coerce
      .number()
      .int()
      .min(0)
      .max(4)
      .default(3)
      .describe('Minimum zxcvbn-ts strength score (0–4).'),
    memoryCost: z.coerce.number().int().min(8192).default(19_456).describe('argon2id memory in KiB.'),
    timeCost: z.coerce.number().int().min(1).default(2).describe('argon2id iterations.'),
    parallelism: z.coerce.number().int().min(1).default(1).describe('argon2id lanes.'),
  })
  .prefault({});

const lockoutSection = z
  .strictObject({
    threshold: z.coerce
      .number()
      .int()
      .min(1)
      .default(5)
      .describe(
        'Consecutive failed secrets of an account (passwords and second-factor codes, at every route that checks one) before it starts waiting between attempts.',
      ),
    baseMs: durationMs(MINUTE, 'First wait after the threshold; doubles with each further failure.'),
    maxMs: z.coerce
      .number()
      .int()
      .min(1)
      .max(DAY)
      .default(15 * MINUTE)
      .describe('Longest wait between attempts (at most 24 h, after which failures are forgotten).'),
    resetRequiredAfter: z.coerce
      .number()
      .int()
      .min(2)
      .default(100)
      .describe('Consecutive failures after which only a password reset unlocks the account.'),
  })
  .prefault({});

/** The sections of the identity module, as `LiftModule.config`. */
export const identityConfig = {
  signup: signupSection,
  passwords: passwordsSection,
  lockout: lockoutSection,
};

declare module '../core/config/schema.ts' {
  interface LiftConfigSections {
    signup: typeof signupSection;
    passwords: typeof passwordsSection;
    lockout: typeof lockoutSection;
  }
}
