import type { Kysely } from 'kysely';
import type { LiftTables } from '../../storage/index.ts';
import { decodeKeysetCursor, encodeKeysetCursor, pageIssue } from '../../storage/index.ts';
import { type ListMembersInput, MAX_MEMBER_PAGE_SIZE, type MemberDetailPage } from './membership-store.ts';

/** Checks a page request; the position to start after, if any. */
export function pageStart(input: ListMembersInput): {
  limit: number;
  after?: { createdAt: number; id: string };
} {
  const { limit } = input;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MEMBER_PAGE_SIZE) {
    throw pageIssue('limit', `The limit is a whole number from 1 to ${MAX_MEMBER_PAGE_SIZE}.`);
  }
  return input.cursor === undefined ? { limit } : { limit, after: decodeKeysetCursor(input.cursor) };
}

/** The cursor after the page's last member, or null when `fetched` (limit + 1 asked) shows no more. */
export function nextCursorOf(
  fetched: number,
  limit: number,
  last: { createdAt: Date; userId: string } | undefined,
): string | null {
  return fetched > limit && last
    ? encodeKeysetCursor({ createdAt: last.createdAt.getTime(), id: last.userId })
    : null;
}

/**
 * One page of a tenant's members, oldest first, with their accounts (`lift_users`, left-joined: a member
 * whose account is gone still shows) and their tenant roles by name. Two queries, whatever the page size.
 */
export async function listMembersWithRoles(
  db: Kysely<LiftTables>,
  tenantId: string,
  input: ListMembersInput,
): Promise<MemberDetailPage> {
  const { limit, after } = pageStart(input);
  let query = db
    .selectFrom('lift_memberships as m')
    .leftJoin('lift_users as u', 'u.id', 'm.user_id')
    .select(['m.tenant_id', 'm.user_id', 'm.created_at', 'u.email', 'u.name'])
    .where('m.tenant_id', '=', tenantId);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('m.created_at', '>', after.createdAt),
        eb.and([eb('m.created_at', '=', after.createdAt), eb('m.user_id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('m.created_at')
    .orderBy('m.user_id')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const roles = await roleNamesOf(
    db,
    tenantId,
    page.map((row) => row.user_id),
  );
  const members = page.map((row) => ({
    tenantId: row.tenant_id,
    userId: row.user_id,
    createdAt: new Date(Number(row.created_at)),
    email: row.email ?? null,
    name: row.name ?? null,
    roles: [...(roles.get(row.user_id) ?? [])].sort(),
  }));
  return { members, nextCursor: nextCursorOf(rows.length, limit, members.at(-1)) };
}

/** The names of the roles each of `userIds` is granted in the tenant itself, in one query. */
async function roleNamesOf(
  db: Kysely<LiftTables>,
  tenantId: string,
  userIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const names = new Map<string, Set<string>>();
  if (userIds.length === 0) return names;
  const rows = await db
    .selectFrom('lift_grants as g')
    .innerJoin('lift_roles as r', 'r.id', 'g.role_id')
    .select(['g.subject_id', 'r.name'])
    .where('g.tenant_id', '=', tenantId)
    .where('g.subject_type', '=', 'user')
    .where('g.subject_id', 'in', userIds)
    .execute();
  for (const row of rows) {
    const held = names.get(row.subject_id) ?? new Set<string>();
    held.add(row.name);
    names.set(row.subject_id, held);
  }
  return names;
}
