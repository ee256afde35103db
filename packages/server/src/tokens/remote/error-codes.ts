import type { CodesOf } from '../../core/error-codes.ts';
import type { ErrorCodeSpec } from '../../core/module.ts';

/**
 * The error codes of the remoteTokens module: a resource server verifying another Lift's access tokens, with
 * the tokens module's `requireScope()` and `requireTenant()`.
 */
export const REMOTE_TOKENS_ERRORS = [
  {
    code: 'LIFT_TOKEN_INVALID',
    status: 401,
    meaning: 'The bearer token failed verification (signature, unknown key, claims, expiry).',
  },
  {
    code: 'LIFT_INSUFFICIENT_SCOPE',
    status: 403,
    meaning: "requireScope(): the token's scope claim lacks a scope the route needs.",
  },
  { code: 'LIFT_TENANT_MISMATCH', status: 403, meaning: "The token's active tenant is not the route's." },
  {
    code: 'LIFT_JWKS_UNAVAILABLE',
    status: 503,
    meaning: "The issuer's JWKS could not be fetched and no fresh key set is held.",
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof REMOTE_TOKENS_ERRORS> {}
}
