import { z } from 'zod';

/**
 * `remoteTokens.*`: the config section of the remoteTokens module (tokens/remote/), which verifies access tokens
 * issued by another Lift against its JWKS. Kept in its own file, beside the one schema it is part of.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const remoteTokensSchema = z
  .strictObject({
    issuer: z
      .string()
      .optional()
      .describe(
        'The iss of the tokens this app accepts from another Lift (remoteTokens module): its tokens.issuer. Required when the module is in the app.',
      ),
    jwksUrl: z
      .string()
      .optional()
      .describe(
        'Where the issuer publishes its keys; default <issuer>/.well-known/jwks.json. https in production.',
      ),
    audience: z
      .string()
      .optional()
      .describe(
        "The aud a token must name to be accepted here; default the issuer (a Lift issuer's default aud).",
      ),
    algorithms: z
      .array(z.enum(['EdDSA', 'ES256', 'RS256', 'PS256']))
      .min(1)
      .default(['EdDSA', 'ES256', 'RS256', 'PS256'])
      .describe('Signature algorithms accepted; HS* never (a shared secret is not published).'),
    cacheTtlMs: z.coerce
      .number()
      .int()
      .min(1000)
      .default(5 * MINUTE)
      .describe('How long a fetched JWKS is used before it is fetched again.'),
    refetchFloorMs: z.coerce
      .number()
      .int()
      .min(100)
      .max(HOUR)
      .default(30_000)
      .describe(
        'At most one JWKS fetch per this interval, whatever asks (an unknown kid, an expired cache, a retry after a failure).',
      ),
    fetchTimeoutMs: z.coerce
      .number()
      .int()
      .min(100)
      .max(MINUTE)
      .default(5_000)
      .describe('A JWKS fetch that takes longer is abandoned (and counts as a failure).'),
    maxJwksBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(64 * 1024)
      .describe('A JWKS response larger than this is refused without reading the rest.'),
    clockSkewMs: z.coerce
      .number()
      .int()
      .min(0)
      .max(5 * MINUTE)
      .default(30_000)
      .describe('Tolerated clock difference with the issuer when checking exp, nbf and iat.'),
    maxTokenLifetimeMs: z.coerce
      .number()
      .int()
      .min(10_000)
      .max(HOUR)
      .default(HOUR)
      .describe('A token whose exp lies further than this beyond its iat (or beyond now) is refused.'),
  })
  .prefault({});
