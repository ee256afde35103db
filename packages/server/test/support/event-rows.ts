import { ManualClock } from '../../src/core/clock.ts';
import { EVENTS_CHANNEL, type LiftEvent } from '../../src/core/events.ts';
import { runMigrations } from '../../src/storage/migrations/migrator.ts';
import { outboxMigrations } from '../../src/storage/outbox/outbox-table.ts';
import { SqlEventRows } from '../../src/storage/outbox/sql-event-rows.ts';
import type { SqlDatabase } from '../../src/storage/ports.ts';

/** What a store conformance suite needs to check the transactional outbox (core/events.ts `Announce`). */
export interface AnnouncedEvents {
  /** Events the store wrote to the outbox so far, oldest first. */
  written(): Promise<LiftEvent[]>;
}

/**
 * The outbox table on `database` and a writer for a SQL store's `eventRows` option, with a reader of what the
 * store wrote: for adapters' tests of `announce`.
 */
export async function sqlEventRows(
  database: SqlDatabase,
): Promise<{ eventRows: SqlEventRows } & AnnouncedEvents> {
  await runMigrations(database, [outboxMigrations]);
  const eventRows = new SqlEventRows({
    channel: EVENTS_CHANNEL,
    origin: 'test-origin',
    owner: 'test-owner',
    leaseMs: 60_000,
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
  });
  return {
    eventRows,
    async written() {
      const rows = await database.db
        .selectFrom('lift_outbox')
        .select(['payload', 'claimed_by'])
        .where('kind', '=', 'event')
        .orderBy('id')
        .execute();
      return rows.map((row) => {
        if (row.claimed_by !== 'test-owner') throw new Error('an event row was written unclaimed');
        return JSON.parse(row.payload) as LiftEvent;
      });
    },
  };
}

/** An event as `EventPublisher.change` would stage it, for stores' tests. */
export function stagedEvent(type: string, data: Record<string, unknown> = {}): LiftEvent {
  return { id: crypto.randomUUID(), type, at: new Date(0).toISOString(), actor: 'test', data };
}

/** One event row of a running app's outbox, as the transactional-outbox tests look at it. */
export interface OutboxEventRow {
  event: LiftEvent;
  /** The row was claimed when written: written by a store in its transaction, or by `emit()`. */
  claimedBy: string | null;
  done: boolean;
}

/** The event rows of `type` in an app's outbox (its SQL database), oldest first. */
export async function outboxEvents(sql: SqlDatabase, type: string): Promise<OutboxEventRow[]> {
  const rows = await sql.db
    .selectFrom('lift_outbox')
    .select(['payload', 'claimed_by', 'done_at'])
    .where('kind', '=', 'event')
    .orderBy('id')
    .execute();
  return rows
    .map((row) => ({
      event: JSON.parse(row.payload) as LiftEvent,
      claimedBy: row.claimed_by,
      done: row.done_at !== null,
    }))
    .filter((row) => row.event.type === type);
}
