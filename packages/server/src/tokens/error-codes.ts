import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the tokens module: bearer tokens, DPoP, refresh, scopes and tenant binding. */
export const TOKENS_ERRORS = [
  { code: 'LIFT_INVALID_GRANT', status: 400, meaning: 'The refresh token is unknown, expired or revoked.' },
  { code: 'LIFT_TOKEN_INVALID', status: 401, meaning: 'A bearer access token failed verification.' },
  { code: 'LIFT_DPOP_INVALID', status: 401, meaning: 'A DPoP proof failed verification.' },
  {
    code: 'LIFT_TOKEN_REUSED',
    status: 401,
    meaning: 'An already-rotated refresh token came back; its family is revoked.',
  },
  { code: 'LIFT_TENANT_MISMATCH', status: 403, meaning: "The token's active tenant is not the route's." },
  {
    code: 'LIFT_INSUFFICIENT_SCOPE',
    status: 403,
    meaning: "requireScope(): the token's scope claim lacks a scope the route needs.",
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof TOKENS_ERRORS> {}
}
