import type { Clock } from '../../core/clock.ts';
import type { LiftConfig } from '../../core/config/schema.ts';
import { ValidationError } from '../../core/errors.ts';
import type { EventActor, EventOrigin, LiftEventName, LiftEvents } from '../../core/events.ts';
import type { Principal } from '../../core/request-state.ts';
import type { Identity, UserDirectory } from '../../identity/index.ts';
import { ReauthRequiredError } from '../../identity/index.ts';
import type { MailQueue, MailTemplates } from '../../mail/index.ts';
import type { KeyValueStore } from '../../storage/index.ts';
import type { Access } from '../access.ts';
import { PermissionDeniedError } from '../permission-denied-error.ts';
import type { Grant, GrantSubject, Role } from '../stores/index.ts';
import { UserPrincipalRequiredError } from '../tenant-errors.ts';

/**
 * What the tenant, member and invitation flows are built from. The flows are plain functions of these
 * ports (no HTTP); the routes in `http/` parse the request, call one flow and shape nothing else.
 */
export interface TenantFlowDeps {
  access: Access;
  /** Identity's read-only directory: the names and addresses of callers and invitees. */
  users: UserDirectory;
  /** Identity's invited signup (`signup.mode: invite` lets it through). */
  signUpInvited: Identity['signUpInvited'];
  /** Access's own notes (invitation signups waiting for their verification). */
  kv: KeyValueStore;
  clock: Clock;
  /** `auth.appName` and `auth.publicUrl` (mail), the address the app listens on. */
  config: LiftConfig;
  /** Invitation mail, queued durably (job type `access.mail`) and sent by the job worker. */
  mail: MailQueue;
  templates: MailTemplates;
}

/** Who is asking, and the request facts every event carries. */
export interface Caller {
  principal: Principal;
  origin: EventOrigin;
}

export function userSubject(userId: string): GrantSubject {
  return { type: 'user', id: userId };
}

/** Records one access event, the caller as its actor (core/events.ts: queued, never awaited). */
export function emitEvent<K extends LiftEventName>(
  deps: TenantFlowDeps,
  caller: Caller,
  type: K,
  event: LiftEvents[K],
): void {
  deps.access.events.emit(type, Object.assign({ actor: caller.principal.id }, caller.origin, event));
}

/**
 * The payload of an access event with the caller as its actor and the request's origin: what an event spec
 * for `events.change` carries (`{ type: 'tenant.deleted', payload: byCaller(caller, { data }) }`).
 */
export function byCaller<T extends object>(caller: Caller, event: T): T & EventActor & EventOrigin {
  return Object.assign({ actor: caller.principal.id }, caller.origin, event);
}

/**
 * Emits `access.denied` for a refusal decided inside a flow (the guards emit their own) and returns the
 * error to throw.
 */
export async function denied<E extends Error>(
  deps: TenantFlowDeps,
  caller: Caller,
  reason: string,
  data: Record<string, unknown>,
  error: E,
): Promise<E> {
  emitEvent(deps, caller, 'access.denied', { reason, data });
  return error;
}

/** The caller's user id; API keys and service accounts are refused (403, with an `access.denied`). */
export async function callerUserId(deps: TenantFlowDeps, caller: Caller, tenantId: string | null) {
  const { principal } = caller;
  if (principal.type === 'user' && principal.userId !== null) return principal.userId;
  throw await denied(deps, caller, 'not_a_user', { tenantId }, new UserPrincipalRequiredError());
}

/** Sensitive tenant actions need a session that proved itself within `auth.freshMs`, as identity's do. */
export async function assertFresh(deps: TenantFlowDeps, caller: Caller, tenantId: string): Promise<void> {
  if (caller.principal.fresh) return;
  throw await denied(deps, caller, 'reauth_required', { tenantId }, new ReauthRequiredError());
}

/**
 * Refuses (403 naming the first missing permission) unless the caller holds every one of `permissions` in
 * the tenant: nobody hands out, or takes away, more than they hold.
 */
export async function assertCanDelegate(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  permissions: readonly string[],
): Promise<void> {
  const missing = deps.access.control.missingForDelegation(
    caller.principal,
    [...new Set(permissions)],
    tenantId,
  );
  const [first] = missing;
  if (first === undefined) return;
  throw await denied(
    deps,
    caller,
    'missing_permission',
    { permission: first, tenantId },
    new PermissionDeniedError(first),
  );
}

/** The tenant's own role named `name`, or null. */
export async function tenantRoleNamed(
  deps: TenantFlowDeps,
  tenantId: string,
  name: string,
): Promise<Role | null> {
  const roles = await deps.access.roles.list({ scope: 'tenant', tenantId });
  return roles.find((role) => role.name === name) ?? null;
}

/** The tenant role named `name`, or a 400 on `field`. */
export async function requireTenantRole(
  deps: TenantFlowDeps,
  tenantId: string,
  name: string,
  field = 'role',
): Promise<Role> {
  const role = await tenantRoleNamed(deps, tenantId, name);
  if (role !== null) return role;
  throw new ValidationError([
    { location: 'body', path: field, message: 'This tenant has no role of this name.', code: 'unknown_role' },
  ]);
}

/** The user's grants in the tenant itself (global grants are not the tenant's to change). */
export async function tenantGrantsOf(
  deps: TenantFlowDeps,
  tenantId: string,
  userId: string,
): Promise<Grant[]> {
  const grants = await deps.access.grants.listBySubject(userSubject(userId), tenantId);
  return grants.filter((grant) => grant.tenantId === tenantId);
}

/** Every permission the user's tenant grants give (inherited ones included), as granted. */
export function permissionsOfGrants(deps: TenantFlowDeps, grants: readonly Grant[]): string[] {
  return grants.flatMap((grant) => deps.access.control.rolePermissions(grant.roleId));
}

/** Absolute link into the app for mail: `<auth.publicUrl><path>?token=…` (identity's mail links, unprefixed). */
export function publicLink(deps: TenantFlowDeps, path: string, token: string): string {
  const { config } = deps;
  const base = (config.auth.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, '');
  return `${base}${path}?token=${encodeURIComponent(token)}`;
}
