import { ForbiddenError } from '../core/errors.ts';
import type { Principal } from '../core/request-state.ts';

/**
 * The tenant setting `require_mfa`: in a tenant whose settings say `require_mfa: true`, users act only with a
 * login that included a second factor. The guards enforce it after the permission (or membership, or role)
 * check passed, so a caller refused anyway learns nothing about the tenant's settings.
 */

/** RFC 8176 methods that prove a second factor: a TOTP code (`otp`) or a recovery code (`rc`). */
const SECOND_FACTORS: ReadonlySet<string> = new Set(['otp', 'rc']);

/**
 * Whether the principal's authentication satisfies `require_mfa`. Only users are asked for a second factor:
 * API keys and service accounts have no login to strengthen (their grants are what limits them).
 */
export function provedSecondFactor(principal: Pick<Principal, 'type' | 'amr'>): boolean {
  if (principal.type !== 'user') return true;
  for (const method of principal.amr) if (SECOND_FACTORS.has(method)) return true;
  return false;
}

/** 403 `LIFT_MFA_REQUIRED`: the tenant requires MFA and this login had none. */
export class TenantMfaRequiredError extends ForbiddenError {
  constructor() {
    super(
      'This tenant requires two-factor authentication: turn it on (POST /auth/mfa/totp/enroll) or log in again with your code.',
      'LIFT_MFA_REQUIRED',
    );
  }
}
