import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { LiftTables, SqlDatabase } from '../ports.ts';
import { sql } from '../sql/kysely-runtime.ts';
import type { ClaimRequest, OutboxEntry, OutboxKind, OutboxRow, OutboxStore } from './outbox-store.ts';
import './outbox-table.ts';

/**
 * The outbox on SQLite or PostgreSQL. On PostgreSQL a claim skips rows another transaction has locked
 * (`for update skip locked`), so relays on many nodes never wait on each other; SQLite has one writer, so its
 * claim is atomic as it is.
 */
export class SqlOutboxStore implements OutboxStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #origin: string;
  #dataVersion: number | undefined;

  constructor(database: SqlDatabase, options: { clock: Clock; origin: string }) {
    this.#database = database;
    this.#clock = options.clock;
    this.#origin = options.origin;
  }

  get #db(): Kysely<LiftTables> {
    return this.#database.db;
  }

  append(
    entries: readonly OutboxEntry[],
    options: { claim?: { owner: string; leaseMs: number } } = {},
  ): Promise<string[]> {
    return appendOutboxRows(this.#db, entries, { origin: this.#origin, now: this.#clock.now(), ...options });
  }

  async claim(request: ClaimRequest): Promise<OutboxRow[]> {
    if (request.topics?.length === 0) return [];
    const now = this.#clock.now();
    let due = this.#db
      .selectFrom('lift_outbox')
      .select('id')
      .where('kind', '=', request.kind)
      .where('done_at', 'is', null)
      .where('available_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('id')
      .limit(request.limit);
    if (request.topics !== undefined) due = due.where('topic', 'in', [...request.topics]);
    if (this.#database.dialect === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await this.#db
      .updateTable('lift_outbox')
      .set((eb) => ({
        claimed_by: request.owner,
        claimed_until: now + request.leaseMs,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.map(toRow).sort((a, b) => Number(a.id) - Number(b.id));
  }

  async complete(id: string, owner: string, options: { wipe?: boolean } = {}): Promise<boolean> {
    const done = { done_at: this.#clock.now(), claimed_until: null, last_error: null };
    return this.#settle(id, owner, options.wipe ? { ...done, payload: '' } : done);
  }

  async completeEvents(dedupeKeys: readonly string[], owner: string): Promise<number> {
    if (dedupeKeys.length === 0) return 0;
    // Undone event rows are few, and the partial index on (kind, available_at) holds only undone rows.
    const result = await this.#db
      .updateTable('lift_outbox')
      .set({ done_at: this.#clock.now(), claimed_until: null, last_error: null })
      .where('kind', '=', 'event')
      .where('done_at', 'is', null)
      .where('dedupe_key', 'in', [...dedupeKeys])
      .where('claimed_by', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  retry(id: string, owner: string, availableAt: number, error: string): Promise<boolean> {
    return this.#settle(id, owner, { available_at: availableAt, claimed_until: null, last_error: error });
  }

  giveUp(id: string, owner: string, error: string): Promise<boolean> {
    return this.#settle(id, owner, { done_at: this.#clock.now(), claimed_until: null, last_error: error });
  }

  async #settle(
    id: string,
    owner: string,
    values: Partial<{
      done_at: number;
      available_at: number;
      claimed_until: null;
      last_error: string | null;
      payload: string;
    }>,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('lift_outbox')
      .set(values)
      .where('id', '=', id)
      .where('claimed_by', '=', owner)
      .where('done_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async newsSince(since: number, excludeOrigin: string): Promise<OutboxRow[]> {
    const rows = await this.#db
      .selectFrom('lift_outbox')
      .selectAll()
      .where('kind', 'in', ['news', 'event'])
      .where('created_at', '>=', since)
      .where('origin', '<>', excludeOrigin)
      .orderBy('id')
      .execute();
    return rows.map(toRow);
  }

  async purge(doneBefore: number, newsBefore: number): Promise<number> {
    const done = await this.#db
      .deleteFrom('lift_outbox')
      .where('done_at', '<', doneBefore)
      .executeTakeFirst();
    const news = await this.#db
      .deleteFrom('lift_outbox')
      .where('kind', '=', 'news')
      .where('created_at', '<', newsBefore)
      .executeTakeFirst();
    return Number(done.numDeletedRows) + Number(news.numDeletedRows);
  }

  async oldestUndoneAt(kind: OutboxKind): Promise<number | null> {
    // Undone rows are few and the partial index on (kind, available_at) holds only them.
    const row = await this.#db
      .selectFrom('lift_outbox')
      .select((eb) => eb.fn.min('created_at').as('oldest'))
      .where('kind', '=', kind)
      .where('done_at', 'is', null)
      .executeTakeFirst();
    return row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
  }

  async countUndone(kind: OutboxKind): Promise<number> {
    const row = await this.#db
      .selectFrom('lift_outbox')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('undone'))
      .where('kind', '=', kind)
      .where('done_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.undone);
  }

  async othersMayHaveWritten(): Promise<boolean> {
    if (this.#database.dialect !== 'sqlite') return true;
    // Per connection: it changes when another connection (another process) commits, never for our own.
    const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(this.#db);
    const version = rows[0]?.data_version;
    const changed = version === undefined || version !== this.#dataVersion;
    this.#dataVersion = version;
    return changed;
  }
}

/**
 * Appends outbox rows on `db` — a SQL store's own transaction, so the rows commit or vanish with the change
 * they announce.
 */
export async function appendOutboxRows(
  db: Kysely<LiftTables>,
  entries: readonly OutboxEntry[],
  stamp: { origin: string; now: number; claim?: { owner: string; leaseMs: number } },
): Promise<string[]> {
  if (entries.length === 0) return [];
  const { claim } = stamp;
  const rows = await db
    .insertInto('lift_outbox')
    .values(
      entries.map((entry) => ({
        kind: entry.kind,
        topic: entry.topic,
        payload: entry.payload,
        origin: stamp.origin,
        dedupe_key: entry.dedupeKey,
        created_at: stamp.now,
        available_at: entry.availableAt ?? stamp.now,
        attempts: claim ? 1 : 0,
        claimed_by: claim?.owner ?? null,
        claimed_until: claim ? stamp.now + claim.leaseMs : null,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((row) => String(row.id));
}

function toRow(row: {
  id: number | string;
  kind: OutboxKind;
  topic: string;
  payload: string;
  origin: string;
  dedupe_key: string;
  created_at: number | string;
  attempts: number;
}): OutboxRow {
  return {
    id: String(row.id),
    kind: row.kind,
    topic: row.topic,
    payload: row.payload,
    origin: row.origin,
    dedupeKey: row.dedupe_key,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
  };
}
