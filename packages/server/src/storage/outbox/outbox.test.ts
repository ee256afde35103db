import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { runMigrations } from '../migrations/migrator.ts';
import type { SqlDatabase } from '../ports.ts';
import { openSqlDatabase } from '../sql/open-sql-database.ts';
import { Outbox, type OutboxSettings } from './outbox.ts';
import { outboxMigrations } from './outbox-table.ts';
import { SqlOutboxStore } from './sql-outbox-store.ts';

const SETTINGS: OutboxSettings = {
  pollMs: 3_600_000,
  leaseMs: 1_000,
  maxAttempts: 3,
  backoffBaseMs: 100,
  backoffMaxMs: 250,
  retentionMs: 3_600_000,
  feedPollMs: 500,
};

/** A broker that refuses the first `failures` publications, as Redis does during an outage. */
class FlakyBroker extends MemoryBroker {
  constructor(public failures: number) {
    super();
  }
  override publish(channel: string, message: string): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      return Promise.reject(new Error('broker down'));
    }
    return super.publish(channel, message);
  }
}

let database: SqlDatabase | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

async function outboxWith(broker: MemoryBroker, owner = 'node-a') {
  database ??= openSqlDatabase('sqlite::memory:', { poolSize: 1 });
  await runMigrations(database, [outboxMigrations]);
  const clock = new ManualClock(1_700_000_000_000);
  const store = new SqlOutboxStore(database, { clock, origin: 'host:1' });
  const log = pino({ level: 'silent' });
  const outbox = new Outbox({ store, broker: () => broker, clock, log, owner, settings: SETTINGS });
  return { outbox, clock };
}

/** Lets the claim loops run (they start on later turns of the event loop). */
async function drain(outbox: Outbox): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await outbox.idle();
}

describe('Outbox', () => {
  it('publishes an event the broker refused once the lease ends, through the relay, with the same id', async () => {
    const broker = new FlakyBroker(1);
    const heard: string[] = [];
    await broker.subscribe('lift:events', (message) => heard.push(message));
    const { outbox, clock } = await outboxWith(broker);
    await outbox.start();
    await outbox.appendEvents([{ channel: 'lift:events', id: 'e-1', payload: '{"id":"e-1"}' }]);
    await drain(outbox);
    expect(heard).toEqual([]);
    expect(outbox.stats.fastPath).toEqual({ published: 0, failed: 1 });

    // The relay polls; restarting it is how this test says "the next poll".
    clock.advance(SETTINGS.leaseMs + 1);
    await outbox.close();
    await outbox.start();
    await drain(outbox);
    expect(heard).toEqual(['{"id":"e-1"}']);
    expect(outbox.stats.relay.succeeded).toBe(1);
    await outbox.close();
  });

  it('does not republish an event the fast path delivered', async () => {
    const broker = new FlakyBroker(0);
    const heard: string[] = [];
    await broker.subscribe('lift:events', (message) => heard.push(message));
    const { outbox, clock } = await outboxWith(broker);
    await outbox.start();
    await outbox.appendEvents([{ channel: 'lift:events', id: 'e-2', payload: 'once' }]);
    await drain(outbox);
    clock.advance(SETTINGS.leaseMs + 1);
    await outbox.close();
    await outbox.start();
    await drain(outbox);
    expect(heard).toEqual(['once']);
    await outbox.close();
  });

  it('retries a failing job with growing backoff and gives it up after maxAttempts', async () => {
    const { outbox, clock } = await outboxWith(new FlakyBroker(0));
    const attempts: Array<{ attempt: number; at: number; key: string }> = [];
    outbox.handle('test.fail', async (job) => {
      attempts.push({ attempt: job.attempt, at: clock.now(), key: job.key });
      throw new Error('transport down');
    });
    await outbox.start();
    const started = clock.now();
    await outbox.enqueue('test.fail', 'payload', { key: 'job-key' });
    await drain(outbox);
    for (const wait of [99, 1, 199, 1, 50]) {
      clock.advance(wait);
      await outbox.close();
      await outbox.start();
      await drain(outbox);
    }
    // Attempt 1 at once, attempt 2 after 100 ms, attempt 3 after 200 more; then given up.
    expect(attempts.map((entry) => [entry.attempt, entry.at - started, entry.key])).toEqual([
      [1, 0, 'job-key'],
      [2, 100, 'job-key'],
      [3, 300, 'job-key'],
    ]);
    expect(outbox.stats.jobs).toMatchObject({ retried: 2, gaveUp: 1, succeeded: 0 });
    await outbox.close();
  });

  it('runs a job another process left claimed once its lease ends, and only job types it handles', async () => {
    const first = await outboxWith(new FlakyBroker(0), 'node-a');
    await first.outbox.enqueue('test.mail', 'm');
    await first.outbox.enqueue('test.other', 'o');
    // node-a claims the mail job and dies before settling it.
    const store = new SqlOutboxStore(database!, { clock: first.clock, origin: 'host:1' });
    expect(
      await store.claim({ kind: 'job', owner: 'node-a', limit: 10, leaseMs: 1_000, topics: ['test.mail'] }),
    ).toHaveLength(1);

    const second = new Outbox({
      store,
      broker: () => new FlakyBroker(0),
      clock: first.clock,
      log: pino({ level: 'silent' }),
      owner: 'node-b',
      settings: SETTINGS,
    });
    const ran: string[] = [];
    second.handle('test.mail', async (job) => {
      ran.push(job.payload);
    });
    await second.start();
    await drain(second);
    expect(ran).toEqual([]);
    first.clock.advance(1_001);
    await second.close();
    await second.start();
    await drain(second);
    expect(ran).toEqual(['m']);
    await second.close();
  });
});
