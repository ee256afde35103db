import { z } from 'zod';

/**
 * What the token endpoints answer, as zod schemas of the JSON bodies: the OpenAPI document describes them,
 * and outside production every answer is checked against them (core/response-check.ts).
 */

/** RFC 6749 §5.1, as `TokenPair` (token-grants.ts): also what a login asking for tokens gets. */
export const tokenPairBody = z.object({
  access_token: z.string(),
  token_type: z.enum(['Bearer', 'DPoP']),
  expires_in: z.number().int(),
  refresh_token: z.string(),
});

/** RFC 7517: the public keys that verify access tokens; members beyond these are the key's own. */
export const jwksBody = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional() })),
});

export const openIdConfigurationBody = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  token_endpoint: z.string(),
  revocation_endpoint: z.string(),
  introspection_endpoint: z.string(),
  grant_types_supported: z.array(z.string()),
  response_types_supported: z.array(z.string()),
  token_endpoint_auth_methods_supported: z.array(z.string()),
  revocation_endpoint_auth_methods_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.string()),
  dpop_signing_alg_values_supported: z.array(z.string()),
});

/** RFC 7009 §2.2: an empty object, whether or not the token was known. */
export const revokedBody = z.object({});

/** RFC 7662 §2.2: `active`, and for an active token its claims (which vary with the token). */
export const introspectionBody = z.looseObject({
  active: z.boolean(),
  token_type: z.string().optional(),
  sub: z.string().optional(),
  iss: z.string().optional(),
  exp: z.number().optional(),
  iat: z.number().optional(),
});

export const keyRotatedBody = z.object({ kid: z.string(), jwks: jwksBody });
