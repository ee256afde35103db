import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { LiftEvent } from '../../core/events.ts';
import type { LiftTables } from '../ports.ts';
import { appendOutboxRows } from './sql-outbox-store.ts';

/**
 * Writes the events that announce a change into the change's own SQL transaction (the transactional outbox):
 * a SQL store calls `write(trx, announce(result))` inside its transaction. The rows are claimed by this process,
 * which publishes them once the change committed (`Outbox.publishCommitted`); when it dies first, the relay of
 * any process publishes them after the lease. A rolled-back change leaves no event behind.
 */
export class SqlEventRows {
  readonly #options: { channel: string; origin: string; owner: string; leaseMs: number; clock: Clock };

  constructor(options: { channel: string; origin: string; owner: string; leaseMs: number; clock: Clock }) {
    this.#options = options;
  }

  async write(db: Kysely<LiftTables>, events: readonly LiftEvent[] | undefined): Promise<void> {
    if (events === undefined || events.length === 0) return;
    const { channel, origin, owner, leaseMs, clock } = this.#options;
    await appendOutboxRows(
      db,
      events.map((event) => ({
        kind: 'event',
        topic: channel,
        payload: JSON.stringify(event),
        dedupeKey: event.id,
      })),
      { origin, now: clock.now(), claim: { owner, leaseMs } },
    );
  }
}

/**
 * Runs `change` on `db`. Given `announce` and `rows`, runs it in a transaction that also writes the events
 * `announce` returns for its result; otherwise as it is (the caller then records the events after the change).
 * For a store whose change is one statement; one that opens its own transaction calls `rows.write` in it.
 */
export function changeAnnounced<R>(
  db: Kysely<LiftTables>,
  rows: SqlEventRows | undefined,
  announce: ((result: R) => readonly LiftEvent[]) | undefined,
  change: (db: Kysely<LiftTables>) => Promise<R>,
): Promise<R> {
  if (!announce || !rows) return change(db);
  return db.transaction().execute(async (trx) => {
    const result = await change(trx);
    await rows.write(trx, announce(result));
    return result;
  });
}
