import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Announce, Announcing } from '../../core/events.ts';
import type { LiftTables, SqlDatabase, SqlEventRows } from '../../storage/index.ts';
import type { LiftRefreshFamiliesTable } from './refresh-tables.ts';
import type {
  RefreshPurgeCutoffs,
  RefreshRotation,
  RefreshTokenFamily,
  RefreshTokenStore,
  RefreshTokenWithFamily,
} from './refresh-token-store.ts';

type FamilyRow = Selectable<LiftRefreshFamiliesTable>;

/**
 * Refresh-token families in `lift_refresh_families` and `lift_refresh_tokens`, on SQLite or PostgreSQL.
 * Every transaction that writes both tables locks the family row first, then token rows, so two of them
 * never wait on each other in opposite orders. Given `eventRows`, a rotation or revocation writes the events
 * that announce it in its own transaction (the transactional outbox).
 */
export class SqlRefreshTokenStore implements RefreshTokenStore {
  readonly #database: SqlDatabase;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: { eventRows?: SqlEventRows } = {}) {
    this.#database = database;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async createFamily(family: RefreshTokenFamily, tokenHash: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('lift_refresh_families')
        .values({
          id: family.id,
          user_id: family.userId,
          created_at: family.createdAt,
          last_used_at: family.lastUsedAt,
          idle_expires_at: family.idleExpiresAt,
          absolute_expires_at: family.absoluteExpiresAt,
          auth_time: family.authTime,
          amr: JSON.stringify(family.amr),
          scope: family.scope,
          tenant_id: family.tenantId,
          dpop_jkt: family.dpopJkt,
          revoked_at: family.revokedAt,
          revoked_reason: family.revokedReason,
        })
        .execute();
      await trx
        .insertInto('lift_refresh_tokens')
        .values({
          token_hash: tokenHash,
          family_id: family.id,
          generation: 0,
          created_at: family.createdAt,
          rotated_at: null,
          successor_sealed: null,
        })
        .execute();
    });
  }

  async findByTokenHash(tokenHash: string): Promise<RefreshTokenWithFamily | null> {
    const row = await this.#db
      .selectFrom('lift_refresh_tokens as t')
      .innerJoin('lift_refresh_families as f', 'f.id', 't.family_id')
      .select([
        't.token_hash',
        't.generation',
        't.created_at as token_created_at',
        't.rotated_at',
        't.successor_sealed',
      ])
      .selectAll('f')
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      token: {
        tokenHash: row.token_hash,
        familyId: row.id,
        generation: Number(row.generation),
        createdAt: Number(row.token_created_at),
        rotatedAt: nullableMillis(row.rotated_at),
        successorSealed: row.successor_sealed,
      },
      family: toFamily(row),
    };
  }

  async getFamily(id: string): Promise<RefreshTokenFamily | null> {
    const row = await this.#db
      .selectFrom('lift_refresh_families')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toFamily(row) : null;
  }

  async rotate(
    rotation: RefreshRotation,
    options: Announcing<RefreshTokenFamily> = {},
  ): Promise<RefreshTokenFamily | null> {
    const trx = await this.#db.startTransaction().execute();
    try {
      const row = await rotateWithin(trx, rotation);
      if (row) {
        const family = toFamily(row);
        await this.#announce(trx, options.announce, family);
        await trx.commit().execute();
        return family;
      }
      await trx.rollback().execute();
      return null;
    } catch (error) {
      if (!trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute();
      throw error;
    }
  }

  async revokeFamily(
    id: string,
    at: number,
    reason: string,
    options: Announcing<RefreshTokenFamily> = {},
  ): Promise<RefreshTokenFamily | null> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('lift_refresh_families')
        .set({ revoked_at: at, revoked_reason: reason })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      await clearSealed(trx, [id]);
      const family = toFamily(row);
      await this.#announce(trx, options.announce, family);
      return family;
    });
  }

  async revokeUserFamilies(
    userId: string,
    at: number,
    reason: string,
    options: Announcing<string[]> = {},
  ): Promise<string[]> {
    return this.#db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable('lift_refresh_families')
        .set({ revoked_at: at, revoked_reason: reason })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      const ids = rows.map((row) => row.id);
      if (ids.length > 0) await clearSealed(trx, ids);
      await this.#announce(trx, options.announce, ids);
      return ids;
    });
  }

  async purge(cutoffs: RefreshPurgeCutoffs): Promise<number> {
    const ended = (eb: ExpressionBuilder<LiftTables, 'lift_refresh_families'>) =>
      eb.or([
        eb('absolute_expires_at', '<=', cutoffs.now),
        eb('revoked_at', '<=', cutoffs.revokedAtOrBefore),
      ]);
    const deleted = await this.#db.transaction().execute(async (trx) => {
      // Family rows first, as everywhere else; SQLite has no row locks and runs writers one at a time.
      if (this.#database.dialect === 'postgres') {
        await trx.selectFrom('lift_refresh_families').select('id').where(ended).forUpdate().execute();
      }
      await trx
        .deleteFrom('lift_refresh_tokens')
        .where('family_id', 'in', (eb) => eb.selectFrom('lift_refresh_families').select('id').where(ended))
        .execute();
      const result = await trx.deleteFrom('lift_refresh_families').where(ended).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
    await this.#db
      .updateTable('lift_refresh_tokens')
      .set({ successor_sealed: null })
      .where('successor_sealed', 'is not', null)
      .where('rotated_at', '<=', cutoffs.sealedRotatedAtOrBefore)
      .execute();
    return deleted;
  }

  /** Writes the events `announce` gives for `result` in `trx`; only with both, so a bare store never calls it. */
  async #announce<R>(trx: Kysely<LiftTables>, announce: Announce<R> | undefined, result: R): Promise<void> {
    if (this.#eventRows && announce) await this.#eventRows.write(trx, announce(result));
  }
}

/** The writes of one rotation; undefined as soon as a condition fails, for the caller to roll back. */
async function rotateWithin(
  trx: Kysely<LiftTables>,
  rotation: RefreshRotation,
): Promise<FamilyRow | undefined> {
  const { now } = rotation;
  const family = await trx
    .updateTable('lift_refresh_families')
    .set({ last_used_at: now, idle_expires_at: rotation.idleExpiresAt })
    .where('id', '=', rotation.familyId)
    .where('revoked_at', 'is', null)
    .where('idle_expires_at', '>', now)
    .where('absolute_expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
  if (!family) return undefined;
  // The single winner: on PostgreSQL a concurrent rotation waits for the row lock, re-checks
  // `rotated_at is null` and finds it set; SQLite runs the transactions one after another.
  const marked = await trx
    .updateTable('lift_refresh_tokens')
    .set({ rotated_at: now, successor_sealed: rotation.successorSealed })
    .where('token_hash', '=', rotation.tokenHash)
    .where('family_id', '=', rotation.familyId)
    .where('rotated_at', 'is', null)
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) return undefined;
  await trx
    .insertInto('lift_refresh_tokens')
    .values({
      token_hash: rotation.successorHash,
      family_id: rotation.familyId,
      generation: rotation.successorGeneration,
      created_at: now,
      rotated_at: null,
      successor_sealed: null,
    })
    .execute();
  await trx
    .updateTable('lift_refresh_tokens')
    .set({ successor_sealed: null })
    .where('family_id', '=', rotation.familyId)
    .where('successor_sealed', 'is not', null)
    .where('rotated_at', '<=', rotation.clearSealedRotatedAtOrBefore)
    .execute();
  return family;
}

async function clearSealed(trx: Kysely<LiftTables>, familyIds: string[]): Promise<void> {
  await trx
    .updateTable('lift_refresh_tokens')
    .set({ successor_sealed: null })
    .where('family_id', 'in', familyIds)
    .where('successor_sealed', 'is not', null)
    .execute();
}

function nullableMillis(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function toFamily(row: FamilyRow): RefreshTokenFamily {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
    idleExpiresAt: Number(row.idle_expires_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    authTime: Number(row.auth_time),
    amr: JSON.parse(row.amr) as string[],
    scope: row.scope,
    tenantId: row.tenant_id,
    dpopJkt: row.dpop_jkt,
    revokedAt: nullableMillis(row.revoked_at),
    revokedReason: row.revoked_reason,
  };
}
