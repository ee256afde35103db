import type { EventOrigin } from '../../core/events.ts';
import type { Principal } from '../../core/request-state.ts';
import type { Access } from '../access.ts';
import { scopeOf } from '../access-scope.ts';
import { DelegationDeniedError } from './admin-errors.ts';

/** Who is acting through the admin API or a tenant's role endpoints, and where the request came from. */
export interface AdminActor {
  principal: Principal;
  origin: EventOrigin;
}

/**
 * Nobody hands out more than they hold: throws `DelegationDeniedError` (403, naming the first permission
 * missing) and emits `access.denied` (reason `missing_permission`, `data.action` `delegate`) unless the actor holds every one of
 * `permissions` in `tenantId` (null: globally).
 */
export async function assertDelegable(
  access: Access,
  actor: AdminActor,
  permissions: readonly string[],
  tenantId: string | null,
): Promise<void> {
  const [missing] = access.control.missingForDelegation(actor.principal, permissions, scopeOf(tenantId));
  if (missing === undefined) return;
  access.events.emit('access.denied', {
    actor: actor.principal.id,
    ...actor.origin,
    reason: 'missing_permission',
    data: { permission: missing, tenantId, action: 'delegate' },
  });
  throw new DelegationDeniedError(missing);
}
