import { type Clock, systemClock } from '../../core/clock.ts';
import { cryptoRandom, type RandomSource } from '../../core/crypto/random.ts';
import { hashToken } from '../../core/crypto/token-hash.ts';
import { LiftConfigError } from '../../core/errors.ts';
import type { SqlDatabase } from '../../storage/index.ts';
import type { EmailTokenPurpose, EmailTokenStore } from './email-token-store.ts';

export interface SqlEmailTokenStoreOptions {
  clock?: Clock;
  random?: RandomSource;
}

/** 32 bytes = 256 bits = 43 base64url characters without padding. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Mail tokens in `lift_email_tokens`, on SQLite or PostgreSQL. */
export class SqlEmailTokenStore implements EmailTokenStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #random: RandomSource;

  constructor(database: SqlDatabase, options: SqlEmailTokenStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
  }

  get #db() {
    return this.#database.db;
  }

  async issue(userId: string, purpose: EmailTokenPurpose, ttlMs: number): Promise<string> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
      throw new LiftConfigError('An email token lifetime is a positive whole number of milliseconds.');
    }
    const token = this.#random.bytes(TOKEN_BYTES).toString('base64url');
    const now = this.#clock.now();
    await this.#db
      .insertInto('lift_email_tokens')
      .values({
        token_hash: hashToken(token),
        user_id: userId,
        purpose,
        created_at: now,
        expires_at: now + ttlMs,
        used_at: null,
      })
      .execute();
    return token;
  }

  async consume(token: string, purpose: EmailTokenPurpose): Promise<{ userId: string } | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const now = this.#clock.now();
    // One conditional UPDATE, so the database decides the single winner: on PostgreSQL a concurrent
    // consumer waits for the row lock, re-checks `used_at is null` and finds it set.
    const row = await this.#db
      .updateTable('lift_email_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hashToken(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    return row ? { userId: row.user_id } : null;
  }

  async peek(token: string, purpose: EmailTokenPurpose): Promise<string | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const row = await this.#db
      .selectFrom('lift_email_tokens')
      .select('user_id')
      .where('token_hash', '=', hashToken(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', this.#clock.now())
      .executeTakeFirst();
    return row ? row.user_id : null;
  }

  async revokeAll(userId: string, purpose?: EmailTokenPurpose): Promise<number> {
    let query = this.#db
      .updateTable('lift_email_tokens')
      .set({ used_at: this.#clock.now() })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null);
    if (purpose !== undefined) query = query.where('purpose', '=', purpose);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('lift_email_tokens')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', '<=', now)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
