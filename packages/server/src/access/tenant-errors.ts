import { BadRequestError, ConflictError, ForbiddenError } from '../core/errors.ts';

/** The errors of the tenant, member and invitation endpoints (access/README.md lists them). */

/** The tenant's last holder of `owner` cannot leave, be removed or be demoted: someone must own it. */
export class LastOwnerError extends ConflictError {
  constructor() {
    super(
      'The tenant needs an owner: make another member owner first (POST /tenants/:tenantId/transfer).',
      'LIFT_LAST_OWNER',
    );
  }
}

/**
 * An invitation token that is unknown, expired, already used or addressed to someone else. One error for
 * every case, so the answer tells a token holder nothing about the invitation.
 */
export class InvitationInvalidError extends BadRequestError {
  constructor() {
    super(
      'This invitation is invalid, expired, already used or addressed to another account.',
      'LIFT_INVITATION_INVALID',
    );
  }
}

/** A tenant has as many pending invitations as it may (`access.maxPendingInvitations`). */
export class InvitationLimitError extends ConflictError {
  constructor(limit: number) {
    super(
      `This tenant already has ${limit} pending invitations; revoke some or wait for them to be accepted.`,
      'LIFT_INVITATION_LIMIT',
    );
  }
}

/** Tenants and memberships belong to users; an API key or service account cannot hold one. */
export class UserPrincipalRequiredError extends ForbiddenError {
  constructor() {
    super('Only a signed-in user can do this, not an API key or service account.');
  }
}
