import { ConflictError } from '../../core/errors.ts';

/** Another role of the same owner (system, templates, or one tenant) already has this name. */
export class RoleNameTakenError extends ConflictError {
  constructor() {
    super('Another role with this name already exists here.', 'LIFT_ROLE_NAME_TAKEN');
  }
}
