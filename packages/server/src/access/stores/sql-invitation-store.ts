import type { Selectable } from 'kysely';
import { type Clock, systemClock } from '../../core/clock.ts';
import { cryptoRandom, type RandomSource, randomId } from '../../core/crypto/random.ts';
import { hashToken } from '../../core/crypto/token-hash.ts';
import { LiftConfigError } from '../../core/errors.ts';
import type { Announcing } from '../../core/events.ts';
import { normalizedOrNull, normalizeEmail } from '../../identity/index.ts';
import { changeAnnounced, type SqlDatabase, type SqlEventRows } from '../../storage/index.ts';
import type { LiftInvitationsTable } from './access-tables.ts';
import {
  INVITATION_TTL_MS,
  type Invitation,
  type InvitationStore,
  type IssuedInvitation,
  type IssueInvitationInput,
} from './invitation-store.ts';

export interface SqlInvitationStoreOptions {
  clock?: Clock;
  random?: RandomSource;
  /** Where issues and revocations write the events that announce them, in their transaction. */
  eventRows?: SqlEventRows;
}

type InvitationRow = Selectable<LiftInvitationsTable>;

/** 32 bytes = 256 bits = 43 base64url characters without padding. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Invitations in `lift_invitations`, on SQLite or PostgreSQL; given `eventRows`, changes announce themselves. */
export class SqlInvitationStore implements InvitationStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: SqlInvitationStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async issue(
    input: IssueInvitationInput,
    options: Announcing<IssuedInvitation> = {},
  ): Promise<IssuedInvitation> {
    const ttlMs = input.ttlMs ?? INVITATION_TTL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
      throw new LiftConfigError('An invitation lifetime is a positive whole number of milliseconds.');
    }
    const { normalized } = normalizeEmail(input.email);
    const token = this.#random.bytes(TOKEN_BYTES).toString('base64url');
    const now = this.#clock.now();
    const values = {
      token_hash: hashToken(token),
      id: randomId(this.#random),
      tenant_id: input.tenantId,
      email_normalized: normalized,
      role_id: input.roleId ?? null,
      invited_by: input.invitedBy,
      created_at: now,
      expires_at: now + ttlMs,
      accepted_at: null,
    };
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const row = await db
        .insertInto('lift_invitations')
        .values(values)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { token, invitation: toInvitation(row) };
    });
  }

  async consume(token: string, email: string): Promise<Invitation | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const normalized = normalizedOrNull(email);
    if (normalized === null) return null;
    const now = this.#clock.now();
    // One conditional UPDATE, so the database picks the single winner: on PostgreSQL a concurrent consumer
    // waits for the row lock, re-checks `accepted_at is null` and finds it set. The address is part of the
    // condition so a forwarded link neither works for someone else nor is burned by them.
    const row = await this.#db
      .updateTable('lift_invitations')
      .set({ accepted_at: now })
      .where('token_hash', '=', hashToken(token))
      .where('email_normalized', '=', normalized)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row ? toInvitation(row) : null;
  }

  async peek(token: string): Promise<Invitation | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const row = await this.#db
      .selectFrom('lift_invitations')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', this.#clock.now())
      .executeTakeFirst();
    return row ? toInvitation(row) : null;
  }

  async consumeById(id: string, email: string): Promise<Invitation | null> {
    const normalized = normalizedOrNull(email);
    if (normalized === null) return null;
    const now = this.#clock.now();
    const row = await this.#db
      .updateTable('lift_invitations')
      .set({ accepted_at: now })
      .where('id', '=', id)
      .where('email_normalized', '=', normalized)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row ? toInvitation(row) : null;
  }

  revoke(tenantId: string, id: string, options: Announcing<boolean> = {}): Promise<boolean> {
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const result = await db
        .deleteFrom('lift_invitations')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async listPending(tenantId: string): Promise<Invitation[]> {
    const rows = await this.#db
      .selectFrom('lift_invitations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', this.#clock.now())
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toInvitation);
  }
}

function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email_normalized,
    roleId: row.role_id,
    invitedBy: row.invited_by,
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    acceptedAt: row.accepted_at === null ? null : new Date(Number(row.accepted_at)),
  };
}
