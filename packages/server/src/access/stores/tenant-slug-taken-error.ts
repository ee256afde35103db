import { ConflictError } from '../../core/errors.ts';

/** Another tenant already has this slug. */
export class TenantSlugTakenError extends ConflictError {
  constructor() {
    super('Another tenant already uses this slug.', 'LIFT_TENANT_SLUG_TAKEN');
  }
}
