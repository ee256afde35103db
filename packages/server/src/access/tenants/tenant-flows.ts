import { NotFoundError } from '../../core/errors.ts';
import type { Tenant, TenantSettings } from '../stores/index.ts';
import { assertFresh, byCaller, type Caller, callerUserId, type TenantFlowDeps } from './tenant-flow-deps.ts';

/**
 * Creating, reading, changing and deleting tenants. The routes check the permission (`tenant:read`,
 * `tenant:update`, `tenant:delete`) before any of these run, so a caller without it learns nothing, not even
 * whether the tenant exists.
 */

export interface TenantView {
  id: string;
  name: string;
  slug: string;
  settings: TenantSettings;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A tenant with the names of the roles the caller holds there (inherited ones included). */
export interface TenantWithRoles {
  tenant: TenantView;
  roles: string[];
}

export function tenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    slug: tenant.slug,
    settings: tenant.settings,
    created_by: tenant.createdBy,
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}

export function withCallerRoles(deps: TenantFlowDeps, caller: Caller, tenant: Tenant): TenantWithRoles {
  return { tenant: tenantView(tenant), roles: deps.access.control.roleNames(caller.principal, tenant.id) };
}

export interface TenantInput {
  name: string;
  slug: string;
  settings?: TenantSettings | undefined;
}

/** The caller (a user) creates a tenant and becomes its owner. */
export async function createTenant(
  deps: TenantFlowDeps,
  caller: Caller,
  input: TenantInput,
): Promise<TenantWithRoles> {
  const userId = await callerUserId(deps, caller, null);
  const { tenant } = await deps.access.events.change<{ tenant: Tenant }>(
    (announce) =>
      deps.access.createTenant(
        {
          name: input.name,
          slug: input.slug,
          ...(input.settings === undefined ? {} : { settings: input.settings }),
          createdBy: userId,
        },
        { announce },
      ),
    ({ tenant: made }) => [
      { type: 'tenant.created', payload: byCaller(caller, { data: { tenantId: made.id, slug: made.slug } }) },
    ],
  );
  return withCallerRoles(deps, caller, tenant);
}

/** The tenants the caller is a member of, oldest membership first. */
export async function listMyTenants(deps: TenantFlowDeps, caller: Caller): Promise<TenantWithRoles[]> {
  const userId = await callerUserId(deps, caller, null);
  const tenants = await deps.access.tenants.listForUser(userId);
  return tenants.map((tenant) => withCallerRoles(deps, caller, tenant));
}

async function existingTenant(deps: TenantFlowDeps, tenantId: string): Promise<Tenant> {
  const tenant = await deps.access.tenants.get(tenantId);
  if (tenant === null) throw new NotFoundError('No tenant has this id.');
  return tenant;
}

export async function showTenant(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
): Promise<TenantWithRoles> {
  return withCallerRoles(deps, caller, await existingTenant(deps, tenantId));
}

/** Renames the tenant or replaces its settings; every node rereads the tenant (settings such as `require_mfa`). */
export async function updateTenant(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  changes: Partial<TenantInput>,
): Promise<TenantWithRoles> {
  const fields = Object.entries(changes)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field)
    .sort();
  const tenant = await deps.access.events.change<Tenant | null>(
    (announce) =>
      deps.access.tenants.update(
        tenantId,
        {
          ...(changes.name === undefined ? {} : { name: changes.name }),
          ...(changes.slug === undefined ? {} : { slug: changes.slug }),
          ...(changes.settings === undefined ? {} : { settings: changes.settings }),
        },
        { announce },
      ),
    (updated) =>
      updated === null
        ? []
        : [{ type: 'tenant.updated', payload: byCaller(caller, { data: { tenantId, fields } }) }],
  );
  if (tenant === null) throw new NotFoundError('No tenant has this id.');
  await deps.access.control.changed({ kind: 'tenant', tenantId });
  return withCallerRoles(deps, caller, tenant);
}

/** Deletes the tenant with its memberships, roles, grants and invitations; needs a fresh session. */
export async function deleteTenant(deps: TenantFlowDeps, caller: Caller, tenantId: string): Promise<void> {
  await assertFresh(deps, caller, tenantId);
  const deleted = await deps.access.events.change<boolean>(
    (announce) => deps.access.tenants.delete(tenantId, { announce }),
    (done) => (done ? [{ type: 'tenant.deleted', payload: byCaller(caller, { data: { tenantId } }) }] : []),
  );
  if (!deleted) throw new NotFoundError('No tenant has this id.');
  await deps.access.control.changed({ kind: 'tenant', tenantId });
}
