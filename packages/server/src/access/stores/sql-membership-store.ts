import type { Kysely, Selectable } from 'kysely';
import { type Clock, systemClock } from '../../core/clock.ts';
import { randomId } from '../../core/crypto/random.ts';
import { ValidationError } from '../../core/errors.ts';
import type { Announcing } from '../../core/events.ts';
import {
  changeAnnounced,
  type LiftTables,
  type SqlDatabase,
  type SqlEventRows,
  sql,
} from '../../storage/index.ts';
import type { LiftMembershipsTable } from './access-tables.ts';
import type {
  KeepOwnerInput,
  KeepOwnerOutcome,
  ListMembersInput,
  MemberDetailPage,
  MemberPage,
  Membership,
  MembershipStore,
} from './membership-store.ts';
import { listMembersWithRoles, nextCursorOf, pageStart } from './sql-member-listing.ts';

export interface SqlMembershipStoreOptions {
  clock?: Clock;
  /** Where adds and owner-keeping changes write the events that announce them, in their transaction. */
  eventRows?: SqlEventRows;
}

type MembershipRow = Selectable<LiftMembershipsTable>;

/** Memberships in `lift_memberships`, on SQLite or PostgreSQL; given `eventRows`, changes announce themselves. */
export class SqlMembershipStore implements MembershipStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: SqlMembershipStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  add(tenantId: string, userId: string, options: Announcing<Membership> = {}): Promise<Membership> {
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const inserted = await db
        .insertInto('lift_memberships')
        .values({ tenant_id: tenantId, user_id: userId, created_at: this.#clock.now() })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'user_id']).doNothing())
        .returningAll()
        .executeTakeFirst();
      const row =
        inserted ??
        (await db
          .selectFrom('lift_memberships')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow());
      return toMembership(row);
    });
  }

  async remove(tenantId: string, userId: string): Promise<boolean> {
    return this.#db.transaction().execute((trx) => removeWithin(trx, tenantId, userId));
  }

  changeKeepingOwner(
    input: KeepOwnerInput,
    options: Announcing<KeepOwnerOutcome> = {},
  ): Promise<KeepOwnerOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const outcome = await this.#changeWithin(trx, input);
      if (this.#eventRows && options.announce) await this.#eventRows.write(trx, options.announce(outcome));
      return outcome;
    });
  }

  async #changeWithin(trx: Kysely<LiftTables>, input: KeepOwnerInput): Promise<KeepOwnerOutcome> {
    const { tenantId, userId, ownerRoleId, change } = input;
    const roleIds = change.action === 'set_roles' ? [...new Set(change.roleIds)] : [];
    if (!(await this.#lockTenant(trx, tenantId))) return 'not_member';
    const member = await trx
      .selectFrom('lift_memberships')
      .select('user_id')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!member) return 'not_member';
    const keepsOwner = ownerRoleId !== null && roleIds.includes(ownerRoleId);
    if (ownerRoleId !== null && !keepsOwner && (await isLastOwner(trx, tenantId, userId, ownerRoleId)))
      return 'last_owner';
    if (change.action === 'remove') await removeWithin(trx, tenantId, userId);
    else await this.#setRolesWithin(trx, tenantId, userId, roleIds, change.createdBy);
    return 'changed';
  }

  /**
   * Takes the tenant row for this transaction, so every owner-changing transaction of one tenant runs after
   * the other. PostgreSQL: `SELECT … FOR UPDATE`. SQLite has no row locks but one writer at a time: a
   * no-op write as the first statement takes the database's write lock before anything is read (a plain
   * `BEGIN` would otherwise read first and let another process write in between).
   */
  async #lockTenant(trx: Kysely<LiftTables>, tenantId: string): Promise<boolean> {
    if (this.#database.dialect === 'postgres') {
      const row = await trx
        .selectFrom('lift_tenants')
        .select('id')
        .where('id', '=', tenantId)
        .forUpdate()
        .executeTakeFirst();
      return row !== undefined;
    }
    const result = await trx
      .updateTable('lift_tenants')
      .set({ updated_at: sql<number>`updated_at` })
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The user's grants in the tenant become exactly `roleIds` (each a system role or one of the tenant's). */
  async #setRolesWithin(
    trx: Kysely<LiftTables>,
    tenantId: string,
    userId: string,
    roleIds: readonly string[],
    createdBy: string | null,
  ): Promise<void> {
    if (roleIds.length > 0) {
      const known = await trx
        .selectFrom('lift_roles')
        .select('id')
        .where('id', 'in', roleIds)
        .where((eb) => eb.or([eb('scope', '=', 'system'), eb('tenant_id', '=', tenantId)]))
        .execute();
      if (known.length !== roleIds.length) {
        throw new ValidationError([
          {
            location: 'body',
            path: 'roleId',
            message: 'No such role is available here.',
            code: 'unknown_role',
          },
        ]);
      }
    }
    let stale = trx
      .deleteFrom('lift_grants')
      .where('tenant_id', '=', tenantId)
      .where('subject_type', '=', 'user')
      .where('subject_id', '=', userId);
    if (roleIds.length > 0) stale = stale.where('role_id', 'not in', roleIds);
    await stale.execute();
    for (const roleId of roleIds) {
      await trx
        .insertInto('lift_grants')
        .values({
          id: randomId(),
          subject_type: 'user',
          subject_id: userId,
          role_id: roleId,
          tenant_id: tenantId,
          created_by: createdBy,
          created_at: this.#clock.now(),
        })
        .onConflict((conflict) =>
          conflict.columns(['subject_type', 'subject_id', 'role_id', 'tenant_id']).doNothing(),
        )
        .execute();
    }
  }

  async list(tenantId: string, input: ListMembersInput): Promise<MemberPage> {
    const { limit, after } = pageStart(input);
    let query = this.#db.selectFrom('lift_memberships').selectAll().where('tenant_id', '=', tenantId);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '>', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('user_id', '>', after.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at')
      .orderBy('user_id')
      .limit(limit + 1)
      .execute();
    const members = rows.slice(0, limit).map(toMembership);
    return { members, nextCursor: nextCursorOf(rows.length, limit, members.at(-1)) };
  }

  listDetailed(tenantId: string, input: ListMembersInput): Promise<MemberDetailPage> {
    return listMembersWithRoles(this.#db, tenantId, input);
  }

  async isMember(tenantId: string, userId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('lift_memberships')
      .select('user_id')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }
}

/** Deletes the membership and the user's grants in the tenant; true when there was a membership. */
async function removeWithin(trx: Kysely<LiftTables>, tenantId: string, userId: string): Promise<boolean> {
  const result = await trx
    .deleteFrom('lift_memberships')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  // A former member keeps no roles in the tenant, so re-adding them starts from nothing.
  await trx
    .deleteFrom('lift_grants')
    .where('tenant_id', '=', tenantId)
    .where('subject_type', '=', 'user')
    .where('subject_id', '=', userId)
    .execute();
  return Number(result.numDeletedRows) > 0;
}

/** True when `userId` holds the owner role in the tenant and no other user does. */
async function isLastOwner(
  trx: Kysely<LiftTables>,
  tenantId: string,
  userId: string,
  ownerRoleId: string,
): Promise<boolean> {
  const holders = await trx
    .selectFrom('lift_grants')
    .select('subject_id')
    .where('tenant_id', '=', tenantId)
    .where('role_id', '=', ownerRoleId)
    .where('subject_type', '=', 'user')
    .execute();
  const ids = new Set(holders.map((row) => row.subject_id));
  return ids.has(userId) && ids.size === 1;
}

function toMembership(row: MembershipRow): Membership {
  return { tenantId: row.tenant_id, userId: row.user_id, createdAt: new Date(Number(row.created_at)) };
}
