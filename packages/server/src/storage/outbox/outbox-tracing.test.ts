import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingTracer } from '../../../test/support/recording-tracer.ts';
import { ManualClock } from '../../core/clock.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { runMigrations } from '../migrations/migrator.ts';
import type { SqlDatabase } from '../ports.ts';
import { openSqlDatabase } from '../sql/open-sql-database.ts';
import { Outbox } from './outbox.ts';
import { outboxMigrations } from './outbox-table.ts';
import { SqlOutboxStore } from './sql-outbox-store.ts';

/** The relay's batches as spans: one per claimed batch, each a trace of its own. */

class DownBroker extends MemoryBroker {
  down = true;
  override publish(channel: string, message: string): Promise<void> {
    return this.down ? Promise.reject(new Error('broker down')) : super.publish(channel, message);
  }
}

let database: SqlDatabase | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

describe('outbox relay tracing', () => {
  it('makes one outbox.relay span per relayed batch, outside any request trace', async () => {
    database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await runMigrations(database, [outboxMigrations]);
    const clock = new ManualClock(1_700_000_000_000);
    const broker = new DownBroker();
    const tracer = new RecordingTracer();
    const settings = {
      pollMs: 3_600_000,
      leaseMs: 1_000,
      maxAttempts: 3,
      backoffBaseMs: 100,
      backoffMaxMs: 250,
      retentionMs: 3_600_000,
      feedPollMs: 500,
    };
    const outbox = new Outbox({
      store: new SqlOutboxStore(database, { clock, origin: 'host:1' }),
      broker: () => broker,
      clock,
      log: pino({ level: 'silent' }),
      owner: 'node-a',
      settings,
      tracer,
    });
    await outbox.start();
    // Written inside a request's span: the fast path fails, so the relay is left to deliver them.
    const request = tracer.startSpan('POST /things', {}, null);
    await tracer.withSpan(
      request,
      () =>
        outbox.appendEvents([
          { channel: 'lift:events', id: 'e-1', payload: '{"id":"e-1"}' },
          { channel: 'lift:events', id: 'e-2', payload: '{"id":"e-2"}' },
        ]),
      undefined,
    );
    request.end();
    await new Promise((resolve) => setImmediate(resolve));
    await outbox.idle();
    broker.down = false;
    clock.advance(settings.leaseMs + 1);
    await outbox.close();
    // Kicked from within another request (as a request that writes an event does): the batch still does not
    // join that request's trace.
    const kicker = tracer.startSpan('POST /other', {}, null);
    await tracer.withSpan(kicker, () => outbox.start(), undefined);
    kicker.end();
    await new Promise((resolve) => setImmediate(resolve));
    await outbox.idle();
    await outbox.close();
    expect(outbox.stats.relay.succeeded).toBe(2);
    const relays = tracer.ended.filter((span) => span.name === 'outbox.relay');
    expect(relays).toHaveLength(1);
    expect(relays[0]).toMatchObject({
      parentSpanId: undefined,
      attributes: { 'lift.outbox.kind': 'event', 'lift.outbox.batch_size': 2 },
    });
    expect([request.traceId, kicker.traceId]).not.toContain(relays[0]!.traceId);
  });
});
