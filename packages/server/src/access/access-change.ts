import type { GrantSubject, GrantSubjectType } from './stores/grant-store.ts';
import type { RoleOwner } from './stores/role-store.ts';

/** The invalidation topic every node's `AccessControl` listens on (core/invalidation.ts). */
export const ACCESS_TOPIC = 'access';

/**
 * What a store write changed, as `AccessControl.changed()` takes it and as it travels as the key of an
 * `access` invalidation (type `access.changed`). It names rows, never their content: every node rereads them from the stores.
 *
 * - `role`: roles of one owner were created, updated or deleted.
 * - `grant`: the grants of these subjects in one scope (`tenantId`, null = global) changed; removing a member
 *   is a grant change for that user in that tenant, since the store removes their grants with them.
 * - `tenant`: a tenant was deleted or rebuilt: reread all its roles and grants.
 */
export type AccessChange =
  | { kind: 'role'; owner: RoleOwner; ids: string[] }
  | { kind: 'grant'; tenantId: string | null; subjects: GrantSubject[] }
  | { kind: 'tenant'; tenantId: string };

export interface AccessChangedMessage {
  type: 'access.changed';
  change: AccessChange;
}

const SUBJECT_TYPES: ReadonlySet<string> = new Set<GrantSubjectType>(['user', 'api_key', 'service']);

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function isOwner(value: unknown): value is RoleOwner {
  if (!isRecord(value)) return false;
  if (value.scope === 'system' || value.scope === 'template') return true;
  return value.scope === 'tenant' && isString(value.tenantId);
}

function isSubject(value: unknown): value is GrantSubject {
  return isRecord(value) && isString(value.type) && SUBJECT_TYPES.has(value.type) && isString(value.id);
}

/** Validates a change, from a caller or off the wire; messages from other nodes are not trusted blindly. */
export function isAccessChange(value: unknown): value is AccessChange {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'role':
      return isOwner(value.owner) && Array.isArray(value.ids) && value.ids.every(isString);
    case 'grant':
      return (
        (value.tenantId === null || isString(value.tenantId)) &&
        Array.isArray(value.subjects) &&
        value.subjects.every(isSubject)
      );
    case 'tenant':
      return isString(value.tenantId);
    default:
      return false;
  }
}

/** The parsed change of an `access` invalidation, or undefined for anything else. */
export function parseAccessMessage(message: string): AccessChange | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed.type !== 'access.changed') return undefined;
  return isAccessChange(parsed.change) ? parsed.change : undefined;
}

/** The engine subject of a grant subject: prefixed by type, so an API key id can never pass for a user id. */
export function subjectKey(subject: GrantSubject): string {
  return `${subject.type}:${subject.id}`;
}
