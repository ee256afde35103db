import type { ColumnType, Kysely } from 'kysely';
import type { Announcing } from '../core/events.ts';
import {
  changeAnnounced,
  type LiftTables,
  type SqlDatabase,
  type SqlEventRows,
  sql,
} from '../storage/index.ts';
import type { RevocationEntry, RevocationKind, RevocationStore } from './revocation-store.ts';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers (ms). */
type Millis = ColumnType<number | string, number, number>;

/** `lift_token_revocations`, created by `lift/0009_create_token_revocations`. */
export interface LiftTokenRevocationsTable {
  kind: RevocationKind;
  value: string;
  not_before: Millis;
  expires_at: Millis;
}

declare module '../storage/ports.ts' {
  interface LiftTables {
    lift_token_revocations: LiftTokenRevocationsTable;
  }
}

/**
 * Revocations in `lift_token_revocations`, on SQLite or PostgreSQL: one upsert per revocation. Given
 * `eventRows`, a save writes the events that announce it in the same transaction.
 */
export class SqlRevocationStore implements RevocationStore {
  readonly #database: SqlDatabase;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: { eventRows?: SqlEventRows } = {}) {
    this.#database = database;
    this.#eventRows = options.eventRows;
  }

  save(entry: RevocationEntry, options: Announcing<void> = {}): Promise<void> {
    return changeAnnounced(this.#database.db, this.#eventRows, options.announce, async (db) => {
      await upsert(db, entry);
    });
  }

  async live(now: number): Promise<RevocationEntry[]> {
    const rows = await this.#database.db
      .selectFrom('lift_token_revocations')
      .selectAll()
      .where('expires_at', '>', now)
      .execute();
    return rows.map((row) => ({
      kind: row.kind,
      value: row.value,
      at: Number(row.not_before),
      until: Number(row.expires_at),
    }));
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.#database.db
      .deleteFrom('lift_token_revocations')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** One revocation: an existing entry keeps the later `not_before` and `expires_at`. */
async function upsert(db: Kysely<LiftTables>, entry: RevocationEntry): Promise<void> {
  await db
    .insertInto('lift_token_revocations')
    .values({ kind: entry.kind, value: entry.value, not_before: entry.at, expires_at: entry.until })
    .onConflict((conflict) =>
      conflict.columns(['kind', 'value']).doUpdateSet({
        not_before: sql`case when excluded.not_before > lift_token_revocations.not_before then excluded.not_before else lift_token_revocations.not_before end`,
        expires_at: sql`case when excluded.expires_at > lift_token_revocations.expires_at then excluded.expires_at else lift_token_revocations.expires_at end`,
      }),
    )
    .execute();
}
