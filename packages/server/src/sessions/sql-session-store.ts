import type { Insertable, Selectable } from 'kysely';
import type { Announcing } from '../core/events.ts';
import { changeAnnounced, type SqlDatabase, type SqlEventRows } from '../storage/index.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';
import type { LiftSessionsTable } from './sessions-table.ts';

type SessionRow = Selectable<LiftSessionsTable>;

/** What a cache needs to forget a session: its keys. */
export type SessionKeys = Pick<SessionRecord, 'id' | 'tokenHash' | 'userId'>;

/**
 * Sessions in `lift_sessions`, on SQLite or PostgreSQL: the embedded default, and the source of truth behind
 * `RedisSessionStore`. Every method is one statement; deletes use `RETURNING` (both dialects), so the records
 * handed back are exactly the rows this call removed, even when another process deletes at the same time.
 * Given `eventRows`, a delete writes the events that announce it in the same transaction.
 */
export class SqlSessionStore implements SessionStore {
  readonly #database: SqlDatabase;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: { eventRows?: SqlEventRows } = {}) {
    this.#database = database;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async create(record: SessionRecord): Promise<void> {
    await this.#db.insertInto('lift_sessions').values(toRow(record)).execute();
  }

  async findByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    const row = await this.#db
      .selectFrom('lift_sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async findById(id: string): Promise<SessionRecord | null> {
    const row = await this.#db
      .selectFrom('lift_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async touch(id: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    await this.touchReturning(id, lastSeenAt, idleExpiresAt);
  }

  /** `touch()` that also returns the updated record (null for an unknown id), for a write-through cache. */
  async touchReturning(id: string, lastSeenAt: number, idleExpiresAt: number): Promise<SessionRecord | null> {
    const row = await this.#db
      .updateTable('lift_sessions')
      .set({ last_seen_at: lastSeenAt, idle_expires_at: idleExpiresAt })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  delete(id: string, options: Announcing<SessionRecord | null> = {}): Promise<SessionRecord | null> {
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const row = await db.deleteFrom('lift_sessions').where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toRecord(row) : null;
    });
  }

  deleteByUser(
    userId: string,
    options: { exceptId?: string } & Announcing<SessionRecord[]> = {},
  ): Promise<SessionRecord[]> {
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      let query = db.deleteFrom('lift_sessions').where('user_id', '=', userId);
      if (options.exceptId !== undefined) query = query.where('id', '!=', options.exceptId);
      const rows = await query.returningAll().execute();
      // RETURNING has no order; hand them back oldest first, like listByUser.
      return rows.map(toRecord).sort(oldestFirst);
    });
  }

  async listByUser(userId: string): Promise<SessionRecord[]> {
    const rows = await this.#db
      .selectFrom('lift_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .execute();
    // Sorted here rather than by ORDER BY: PostgreSQL's collation would order ids that tie on created_at
    // differently from SQLite. A user has few sessions (the manager caps them).
    return rows.map(toRecord).sort(oldestFirst);
  }

  async countActive(now: number): Promise<number> {
    const row = await this.#db
      .selectFrom('lift_sessions')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('live'))
      .where('idle_expires_at', '>', now)
      .where('absolute_expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.live);
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('lift_sessions')
      .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** `purgeExpired()` that returns the keys of the removed sessions, for a write-through cache. */
  async purgeExpiredReturning(now: number): Promise<SessionKeys[]> {
    const rows = await this.#db
      .deleteFrom('lift_sessions')
      .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
      .returning(['id', 'token_hash', 'user_id'])
      .execute();
    return rows.map((row) => ({ id: row.id, tokenHash: row.token_hash, userId: row.user_id }));
  }

  /** The database belongs to the caller; there is nothing of the store's own to release. */
  async close(): Promise<void> {}
}

function toRow(record: SessionRecord): Insertable<LiftSessionsTable> {
  return {
    id: record.id,
    token_hash: record.tokenHash,
    user_id: record.userId,
    created_at: record.createdAt,
    last_seen_at: record.lastSeenAt,
    idle_expires_at: record.idleExpiresAt,
    absolute_expires_at: record.absoluteExpiresAt,
    auth_time: record.authTime,
    amr: JSON.stringify(record.amr),
    ip: record.ip,
    user_agent: record.userAgent,
    ua_family: record.uaFamily,
    ip_prefix: record.ipPrefix,
    tenant_id: record.tenantId,
  };
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    idleExpiresAt: Number(row.idle_expires_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    authTime: Number(row.auth_time),
    amr: JSON.parse(row.amr) as string[],
    ip: row.ip,
    userAgent: row.user_agent,
    uaFamily: row.ua_family,
    ipPrefix: row.ip_prefix,
    tenantId: row.tenant_id ?? null,
  };
}

function oldestFirst(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
