import type { Selectable } from 'kysely';
import { type Clock, systemClock } from '../../core/clock.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { decodeKeysetCursor, encodeKeysetCursor, pageIssue } from '../../storage/sql/keyset-cursor.ts';
import type { LiftMembershipsTable } from './access-tables.ts';
import {
  type ListMembersInput,
  MAX_MEMBER_PAGE_SIZE,
  type MemberPage,
  type Membership,
  type MembershipStore,
} from './membership-store.ts';

export interface SqlMembershipStoreOptions {
  clock?: Clock;
}

type MembershipRow = Selectable<LiftMembershipsTable>;

/** Memberships in `lift_memberships`, on SQLite or PostgreSQL. */
export class SqlMembershipStore implements MembershipStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;

  constructor(database: SqlDatabase, options: SqlMembershipStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
  }

  get #db() {
    return this.#database.db;
  }

  async add(tenantId: string, userId: string): Promise<Membership> {
    const inserted = await this.#db
      .insertInto('lift_memberships')
      .values({ tenant_id: tenantId, user_id: userId, created_at: this.#clock.now() })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'user_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
    const row =
      inserted ??
      (await this.#db
        .selectFrom('lift_memberships')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow());
    return toMembership(row);
  }

  async remove(tenantId: string, userId: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
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
    });
  }

  async list(tenantId: string, input: ListMembersInput): Promise<MemberPage> {
    const { limit } = input;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MEMBER_PAGE_SIZE) {
      throw pageIssue('limit', `The limit is a whole number from 1 to ${MAX_MEMBER_PAGE_SIZE}.`);
    }
    const after = input.cursor === undefined ? undefined : decodeKeysetCursor(input.cursor);
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
    const last = members.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeKeysetCursor({ createdAt: last.createdAt.getTime(), id: last.userId })
        : null;
    return { members, nextCursor };
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

function toMembership(row: MembershipRow): Membership {
  return { tenantId: row.tenant_id, userId: row.user_id, createdAt: new Date(Number(row.created_at)) };
}
