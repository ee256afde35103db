import type { Selectable, SqlBool } from 'kysely';
import { type Clock, systemClock } from '../../core/clock.ts';
import { randomId } from '../../core/crypto/random.ts';
import { ValidationError } from '../../core/errors.ts';
import type { Announcing } from '../../core/events.ts';
import { HUMAN_NAME_MESSAGE, isHumanName } from '../../core/human-name.ts';
import type { SqlDatabase, SqlEventRows } from '../../storage/index.ts';
import {
  changeAnnounced,
  decodeKeysetCursor,
  encodeKeysetCursor,
  pageIssue,
  sql,
} from '../../storage/index.ts';
import { normalizedOrNull, normalizeEmail } from './email.ts';
import { EmailTakenError } from './email-taken-error.ts';
import {
  type CreateUserInput,
  type ListUsersInput,
  MAX_USER_PAGE_SIZE,
  USER_STATUSES,
  type User,
  type UserPage,
  type UserStatus,
  type UserStore,
} from './user-store.ts';
import type { LiftUsersTable } from './users-table.ts';

export interface SqlUserStoreOptions {
  clock?: Clock;
  /** Where changes write the events that announce them, in their transaction (storage/outbox/). */
  eventRows?: SqlEventRows;
}

type UserRow = Selectable<LiftUsersTable>;

/**
 * Users in `lift_users`, on SQLite or PostgreSQL. Given `eventRows`, a change that is asked to `announce`
 * itself writes those events in its own transaction.
 */
export class SqlUserStore implements UserStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: SqlUserStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async create(input: CreateUserInput, options: Announcing<User> = {}): Promise<User> {
    const { email, normalized } = normalizeEmail(input.email);
    const name = checkedName(input.name ?? null);
    const now = this.#clock.now();
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      // ON CONFLICT DO NOTHING instead of catching the driver's error: the same on both dialects, and it
      // leaves a PostgreSQL transaction usable.
      const row = await db
        .insertInto('lift_users')
        .values({
          id: randomId(),
          email,
          email_normalized: normalized,
          name,
          status: 'active',
          email_verified_at: null,
          password_hash: input.passwordHash ?? null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((conflict) => conflict.column('email_normalized').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new EmailTakenError();
      return toUser(row);
    });
  }

  findById(id: string): Promise<User | null> {
    return userById(this.#db, id);
  }

  async findByEmail(email: string): Promise<User | null> {
    const normalized = normalizedOrNull(email);
    if (normalized === null) return null;
    const row = await this.#db
      .selectFrom('lift_users')
      .selectAll()
      .where('email_normalized', '=', normalized)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  setPasswordHash(
    id: string,
    passwordHash: string,
    options: Announcing<User | null> = {},
  ): Promise<User | null> {
    return this.#update(id, { password_hash: passwordHash, password_reset_required: 0 }, options);
  }

  requirePasswordReset(id: string): Promise<User | null> {
    return this.#update(id, { password_reset_required: 1 });
  }

  waivePasswordReset(id: string): Promise<User | null> {
    return this.#update(id, { password_reset_required: 0 });
  }

  markEmailVerified(id: string, options: Announcing<User | null> = {}): Promise<User | null> {
    const now = this.#clock.now();
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const row = await db
        .updateTable('lift_users')
        .set({ email_verified_at: now, updated_at: now })
        .where('id', '=', id)
        .where('email_verified_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row ? toUser(row) : userById(db, id);
    });
  }

  /** Async so that a refused status is a rejected promise, as for every other method, not a throw. */
  async setStatus(
    id: string,
    status: UserStatus,
    options: Announcing<User | null> = {},
  ): Promise<User | null> {
    if (!USER_STATUSES.includes(status)) {
      throw new ValidationError([
        { location: 'body', path: 'status', message: 'Status is active or disabled.', code: 'invalid_value' },
      ]);
    }
    return this.#update(id, { status }, options);
  }

  async updateName(id: string, name: string | null): Promise<User | null> {
    return this.#update(id, { name: checkedName(name) });
  }

  async list(input: ListUsersInput): Promise<UserPage> {
    const { limit } = input;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_USER_PAGE_SIZE) {
      throw pageIssue('limit', `The limit is a whole number from 1 to ${MAX_USER_PAGE_SIZE}.`);
    }
    const after = input.cursor === undefined ? undefined : decodeKeysetCursor(input.cursor);
    const search = input.search?.trim().toLowerCase() ?? '';
    let query = this.#db.selectFrom('lift_users').selectAll();
    if (search !== '') {
      const pattern = `%${escapeLike(search)}%`;
      query = query.where((eb) =>
        eb.or([
          sql<SqlBool>`${eb.ref('email_normalized')} like ${pattern} escape '\\'`,
          sql<SqlBool>`lower(${eb.ref('name')}) like ${pattern} escape '\\'`,
        ]),
      );
    }
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const users = rows.slice(0, limit).map(toUser);
    const last = users.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeKeysetCursor({ createdAt: last.createdAt.getTime(), id: last.id })
        : null;
    return { users, nextCursor };
  }

  #update(
    id: string,
    changes: {
      name?: string | null;
      status?: UserStatus;
      password_hash?: string;
      password_reset_required?: number;
    },
    options: Announcing<User | null> = {},
  ): Promise<User | null> {
    const now = this.#clock.now();
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const row = await db
        .updateTable('lift_users')
        .set({ ...changes, updated_at: now })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toUser(row) : null;
    });
  }
}

async function userById(db: SqlDatabase['db'], id: string): Promise<User | null> {
  const row = await db.selectFrom('lift_users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    emailVerifiedAt: row.email_verified_at === null ? null : new Date(Number(row.email_verified_at)),
    passwordHash: row.password_hash,
    passwordResetRequired: Number(row.password_reset_required) === 1,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

/** `\` escapes itself and LIKE's wildcards, so a search for `50%_off` finds exactly that text. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * The display name, refused when it holds a character no name may carry (core/human-name.ts). Routes check it
 * in their schemas; this keeps the CLI and code calling the store to the same rule.
 */
function checkedName(name: string | null): string | null {
  if (name === null || isHumanName(name)) return name;
  throw new ValidationError([
    { location: 'body', path: 'name', message: HUMAN_NAME_MESSAGE, code: 'custom' },
  ]);
}
