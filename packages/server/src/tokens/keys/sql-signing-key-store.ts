import type { JsonWebKey } from 'node:crypto';
import type { Selectable } from 'kysely';
import { LiftConfigError } from '../../core/errors.ts';
import type { Announcing } from '../../core/events.ts';
import type { SqlDatabase, SqlEventRows } from '../../storage/index.ts';
import { sql } from '../../storage/index.ts';
import { JWS_ALGORITHMS, type JwsAlgorithm } from '../jws/jws-types.ts';
import type {
  ActivateSigningKeyInput,
  NewSigningKey,
  SigningKeyStore,
  StoredSigningKey,
} from './signing-key-store.ts';
import type { LiftSigningKeysTable } from './signing-keys-table.ts';

type SigningKeyRow = Selectable<LiftSigningKeysTable>;

/** Thrown inside an activation transaction to roll it back when its compare-and-set does not hold. */
class ActivationRefused extends Error {}

/**
 * Signing keys in `lift_signing_keys`, on SQLite or PostgreSQL. Given `eventRows`, an activation writes the
 * events that announce it in its transaction (the transactional outbox).
 */
export class SqlSigningKeyStore implements SigningKeyStore {
  readonly #database: SqlDatabase;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: { eventRows?: SqlEventRows } = {}) {
    this.#database = database;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async list(): Promise<StoredSigningKey[]> {
    const rows = await this.#db
      .selectFrom('lift_signing_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    return rows.map(toStoredKey);
  }

  async insert(key: NewSigningKey): Promise<void> {
    await this.#db
      .insertInto('lift_signing_keys')
      .values({
        kid: key.kid,
        alg: key.alg,
        public_jwk: key.publicJwk === null ? null : JSON.stringify(key.publicJwk),
        private_sealed: key.privateSealed,
        status: 'pending',
        created_at: key.createdAt,
        activated_at: null,
        retired_at: null,
        verify_until: null,
      })
      .execute();
  }

  async activate(kid: string, input: ActivateSigningKeyInput & Announcing<boolean>): Promise<boolean> {
    const { announce } = input;
    try {
      await this.#db.transaction().execute(async (trx) => {
        // Row locks cannot serialise "is any key active?" between two nodes, so activations take a table lock
        // that conflicts with itself and with writers, but not with readers. On SQLite the first statement
        // below is a write, which takes the database's single write lock before anything is read.
        if (this.#database.dialect === 'postgres') {
          await sql`lock table lift_signing_keys in share row exclusive mode`.execute(trx);
        }
        const activated = await trx
          .updateTable('lift_signing_keys')
          .set({ status: 'active', activated_at: input.now })
          .where('kid', '=', kid)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (activated.numUpdatedRows === 0n) throw new ActivationRefused();
        const previous = await trx
          .selectFrom('lift_signing_keys')
          .select('kid')
          .where('status', '=', 'active')
          .where('kid', '!=', kid)
          .execute();
        if (!expectationHolds(input.expectedActive, previous)) throw new ActivationRefused();
        await trx
          .updateTable('lift_signing_keys')
          .set({ status: 'retired', retired_at: input.now, verify_until: input.previousVerifyUntil })
          .where('status', '=', 'active')
          .where('kid', '!=', kid)
          .execute();
        if (this.#eventRows && announce) await this.#eventRows.write(trx, announce(true));
      });
      return true;
    } catch (error) {
      if (error instanceof ActivationRefused) return false;
      throw error;
    }
  }

  async discardPending(kid: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('lift_signing_keys')
      .where('kid', '=', kid)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('lift_signing_keys')
      .where('status', '=', 'retired')
      .where('verify_until', '<', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function expectationHolds(expected: string | null | undefined, active: Array<{ kid: string }>): boolean {
  if (expected === undefined) return true;
  if (expected === null) return active.length === 0;
  return active.some((key) => key.kid === expected);
}

function toStoredKey(row: SigningKeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    alg: toAlgorithm(row),
    publicJwk: row.public_jwk === null ? null : (JSON.parse(row.public_jwk) as JsonWebKey),
    privateSealed: row.private_sealed,
    status: row.status,
    createdAt: Number(row.created_at),
    activatedAt: toMillis(row.activated_at),
    retiredAt: toMillis(row.retired_at),
    verifyUntil: toMillis(row.verify_until),
  };
}

function toAlgorithm(row: SigningKeyRow): JwsAlgorithm {
  const alg = JWS_ALGORITHMS.find((known) => known === row.alg);
  if (alg === undefined) {
    throw new LiftConfigError(`Signing key ${row.kid} in lift_signing_keys has an unknown alg "${row.alg}".`);
  }
  return alg;
}

function toMillis(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
