import type { Selectable, SqlBool } from 'kysely';
import { type Clock, systemClock } from '../../core/clock.ts';
import type { Announcing } from '../../core/events.ts';
import { changeAnnounced, type SqlDatabase, type SqlEventRows, sql } from '../../storage/index.ts';
import type { MfaFactor, MfaFactorStore } from './mfa-factor-store.ts';
import type { LiftMfaFactorsTable } from './mfa-factors-table.ts';

export interface SqlMfaFactorStoreOptions {
  clock?: Clock;
  /** Where changes write the events that announce them, in their transaction (storage/outbox/). */
  eventRows?: SqlEventRows;
}

type FactorRow = Selectable<LiftMfaFactorsTable>;

/**
 * MFA factors in `lift_mfa_factors`, on SQLite or PostgreSQL. Given `eventRows`, a change that is asked to
 * `announce` itself writes those events in its own transaction.
 */
export class SqlMfaFactorStore implements MfaFactorStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: SqlMfaFactorStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async get(userId: string): Promise<MfaFactor | null> {
    const row = await this.#db
      .selectFrom('lift_mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row ? toFactor(row) : null;
  }

  async savePending(userId: string, secretSealed: string): Promise<boolean> {
    const now = this.#clock.now();
    const pending = {
      type: 'totp',
      secret_sealed: secretSealed,
      confirmed_at: null,
      last_used_step: null,
      recovery_codes: '[]',
      created_at: now,
      updated_at: now,
    } as const;
    // The upsert's WHERE keeps a confirmed factor: the conflicting row is left alone and nothing is returned.
    const row = await this.#db
      .insertInto('lift_mfa_factors')
      .values({ user_id: userId, ...pending })
      .onConflict((conflict) =>
        conflict.column('user_id').doUpdateSet(pending).where('lift_mfa_factors.confirmed_at', 'is', null),
      )
      .returning('user_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  confirm(
    userId: string,
    recoveryCodeHashes: readonly string[],
    step: number,
    options: Announcing<boolean> = {},
  ): Promise<boolean> {
    const now = this.#clock.now();
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const result = await db
        .updateTable('lift_mfa_factors')
        .set({
          confirmed_at: now,
          last_used_step: step,
          recovery_codes: JSON.stringify(recoveryCodeHashes),
          updated_at: now,
        })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  async useStep(userId: string, step: number): Promise<boolean> {
    // The step check lives in the WHERE clause: on PostgreSQL a concurrent use of the same code waits for the
    // row lock, re-evaluates the condition against the new last_used_step and updates nothing.
    const result = await this.#db
      .updateTable('lift_mfa_factors')
      .set({ last_used_step: step, updated_at: this.#clock.now() })
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async useRecoveryCode(userId: string, index: number): Promise<boolean> {
    // A negative index would count from the end in PostgreSQL's `->`.
    if (!Number.isSafeInteger(index) || index < 0) return false;
    const codes = sql.ref('recovery_codes');
    // Clearing the slot and checking that it was set is one UPDATE, so of concurrent uses of one code
    // exactly one changes a row, while uses of different codes do not get in each other's way.
    const [cleared, slotIsSet] =
      this.#database.dialect === 'postgres'
        ? [
            sql<string>`jsonb_set(${codes}::jsonb, ${`{${index}}`}::text[], 'null'::jsonb)::text`,
            sql<SqlBool>`jsonb_typeof(${codes}::jsonb -> ${index}::int) = 'string'`,
          ]
        : [
            sql<string>`json_set(${codes}, ${`$[${index}]`}, null)`,
            sql<SqlBool>`json_type(${codes}, ${`$[${index}]`}) = 'text'`,
          ];
    const result = await this.#db
      .updateTable('lift_mfa_factors')
      .set({ recovery_codes: cleared, updated_at: this.#clock.now() })
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .where(slotIsSet)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  replaceRecoveryCodes(
    userId: string,
    recoveryCodeHashes: readonly string[],
    options: Announcing<boolean> = {},
  ): Promise<boolean> {
    const now = this.#clock.now();
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const result = await db
        .updateTable('lift_mfa_factors')
        .set({ recovery_codes: JSON.stringify(recoveryCodeHashes), updated_at: now })
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  delete(userId: string, options: Announcing<boolean> = {}): Promise<boolean> {
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const result = await db.deleteFrom('lift_mfa_factors').where('user_id', '=', userId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }
}

function toFactor(row: FactorRow): MfaFactor {
  return {
    userId: row.user_id,
    type: row.type,
    secretSealed: row.secret_sealed,
    confirmedAt: row.confirmed_at === null ? null : new Date(Number(row.confirmed_at)),
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    // Only this store writes the column, always as a JSON array of strings and nulls.
    recoveryCodes: JSON.parse(row.recovery_codes) as (string | null)[],
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}
