import { ConflictError } from '../../core/errors.ts';

/** Another user already has this address (compared in normalised form). */
export class EmailTakenError extends ConflictError {
  constructor() {
    super('An account with this email address already exists.', 'LIFT_EMAIL_TAKEN');
  }
}
