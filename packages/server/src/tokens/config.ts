import { z } from 'zod';
import { DAY, durationMs, HOUR, MINUTE } from '../core/config/config-fields.ts';

/**
 * The config section the tokens module owns: `tokens.*` (LIFT_TOKENS__*). Merged into the app's one schema by
 * core's loader when the app has this module; docs/configuration.md lists it.
 */

const tokensSection = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Issue and accept bearer tokens (JWKS, /auth/token, revocation, introspection).'),
    issuer: z
      .string()
      .optional()
      .describe('The iss of access tokens; default auth.publicUrl, else http://<host>:<port>.'),
    audience: z.string().optional().describe('The aud of access tokens; default the issuer.'),
    algorithm: z
      .enum(['EdDSA', 'ES256', 'RS256', 'PS256', 'HS256', 'HS384', 'HS512'])
      .default('EdDSA')
      .describe('Signing algorithm of new keys; HS* only for a single service (the key is not published).'),
    accessTokenTtlMs: z.coerce
      .number()
      .int()
      .min(10_000)
      .max(HOUR)
      .default(10 * MINUTE)
      .describe('Lifetime of an access token.'),
    clockSkewMs: z.coerce
      .number()
      .int()
      .min(0)
      .max(5 * MINUTE)
      .default(30_000)
      .describe('Tolerated clock difference when checking exp, nbf and iat.'),
    keyRotationIntervalMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Rotate the signing key this often; 0 = only with lift keys rotate or the admin API.'),
    verifiedCacheSize: z.coerce
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Verified access tokens each node keeps in memory (entries expire with the token).'),
    cookie: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Also set the access token as an HttpOnly cookie on token logins and refreshes, and accept it from there (CSRF rules apply).',
          ),
        name: z
          .string()
          .optional()
          .describe('Cookie name; default __Host-lift_access in production, lift_access otherwise.'),
      })
      .prefault({}),
    refresh: z
      .strictObject({
        absoluteLifetimeMs: durationMs(30 * DAY, 'A refresh-token family ends this long after login.'),
        idleLifetimeMs: durationMs(7 * DAY, 'A refresh-token family unused this long ends.'),
        reuseGraceSeconds: z.coerce
          .number()
          .int()
          .min(0)
          .max(300)
          .default(0)
          .describe(
            'A refresh token presented again within this many seconds of its rotation gets the same successor instead of revoking the family.',
          ),
      })
      .prefault({}),
  })
  .prefault({});

/** The sections of the tokens module, as `LiftModule.config`. */
export const tokensConfig = { tokens: tokensSection };

declare module '../core/config/schema.ts' {
  interface LiftConfigSections {
    tokens: typeof tokensSection;
  }
}
