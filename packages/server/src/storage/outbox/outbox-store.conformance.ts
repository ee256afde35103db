import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../core/clock.ts';
import type { OutboxEntry, OutboxStore } from './outbox-store.ts';

export interface OutboxConformanceTarget {
  /** Two stores on one database, written by different origins (two processes). */
  stores: [OutboxStore, OutboxStore];
  origins: [string, string];
  clock: ManualClock;
  close(): Promise<void>;
}

const job = (topic: string, payload = 'p'): OutboxEntry => ({
  kind: 'job',
  topic,
  payload,
  dedupeKey: `k-${payload}`,
});

/**
 * What every OutboxStore adapter must do (storage/outbox/outbox-store.ts). Each test uses its own topic, so
 * one database serves the suite; `create` gives two stores on it, as two processes would have.
 */
export function outboxConformance(adapter: string, create: () => Promise<OutboxConformanceTarget>): void {
  describe(`OutboxStore conformance: ${adapter}`, () => {
    let target: OutboxConformanceTarget;
    let a: OutboxStore;
    let b: OutboxStore;
    let counter = 0;
    const topic = (label: string) => `t${++counter}.${label}`;
    const claim = (store: OutboxStore, owner: string, topics: string[], limit = 10) =>
      store.claim({ kind: 'job', owner, limit, leaseMs: 1_000, topics });

    beforeAll(async () => {
      target = await create();
      [a, b] = target.stores;
    });
    afterAll(async () => {
      await target?.close();
    });

    it('claims due rows oldest first, each once while the lease holds, and counts attempts', async () => {
      const t = topic('claim');
      await a.append([job(t, '1'), job(t, '2'), job(t, '3')]);
      const first = await claim(a, 'A', [t], 2);
      expect(first.map((row) => row.payload)).toEqual(['1', '2']);
      expect(first.every((row) => row.attempts === 1 && row.origin === target.origins[0])).toBe(true);
      expect((await claim(b, 'B', [t])).map((row) => row.payload)).toEqual(['3']);
      expect(await claim(b, 'B', [t])).toEqual([]);
    });

    it('never gives one row to two owners claiming at once, from either process', async () => {
      const t = topic('race');
      await a.append(Array.from({ length: 24 }, (_, index) => job(t, `${index}`)));
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, index) => claim(index % 2 === 0 ? a : b, `owner-${index}`, [t], 4)),
      );
      const ids = claims.flat().map((row) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      const rest = await claim(b, 'late', [t], 100);
      expect(new Set([...ids, ...rest.map((row) => row.id)]).size).toBe(24);
      expect(ids.length + rest.length).toBe(24);
    });

    it('lets another owner take a row whose lease ended; the first owner can then not settle it', async () => {
      const t = topic('lease');
      await a.append([job(t)]);
      const [row] = await claim(a, 'A', [t]);
      target.clock.advance(1_001);
      const [taken] = await claim(b, 'B', [t]);
      expect(taken?.id).toBe(row?.id);
      expect(taken?.attempts).toBe(2);
      expect(await a.complete(row!.id, 'A')).toBe(false);
      expect(await b.complete(row!.id, 'B')).toBe(true);
      target.clock.advance(1_001);
      expect(await claim(a, 'A', [t])).toEqual([]);
    });

    it('puts a failed row back at the given time and ends a given-up one', async () => {
      const t = topic('retry');
      await a.append([job(t, 'r')]);
      const [row] = await claim(a, 'A', [t]);
      const now = target.clock.now();
      expect(await a.retry(row!.id, 'A', now + 500, 'Error: down')).toBe(true);
      expect(await claim(a, 'A', [t])).toEqual([]);
      target.clock.advance(500);
      const [again] = await claim(a, 'A', [t]);
      expect(again?.attempts).toBe(2);
      expect(await a.giveUp(again!.id, 'A', 'Error: still down')).toBe(true);
      target.clock.advance(5_000);
      expect(await claim(a, 'A', [t])).toEqual([]);
    });

    it('claims only the topics asked for, and only the kind asked for', async () => {
      const mine = topic('mine');
      const other = topic('other');
      await a.append([job(other), { kind: 'event', topic: mine, payload: 'e', dedupeKey: 'e1' }, job(mine)]);
      const rows = await claim(a, 'A', [mine]);
      expect(rows.map((row) => [row.kind, row.topic])).toEqual([['job', mine]]);
      const events = await a.claim({ kind: 'event', owner: 'A', limit: 10, leaseMs: 1_000, topics: [mine] });
      expect(events.map((row) => [row.payload, row.dedupeKey])).toEqual([['e', 'e1']]);
    });

    it('completes claimed event rows by event id, only for their owner and only events', async () => {
      const t = topic('by-key');
      const event = (key: string): OutboxEntry => ({ kind: 'event', topic: t, payload: key, dedupeKey: key });
      const lease = { claim: { owner: 'A', leaseMs: 1_000 } };
      await a.append([event(`${t}-1`), event(`${t}-2`), { ...job(t), dedupeKey: `${t}-3` }], lease);
      expect(await b.completeEvents([`${t}-1`, `${t}-2`, `${t}-3`], 'B')).toBe(0);
      expect(await b.completeEvents([`${t}-1`, `${t}-3`], 'A')).toBe(1);
      expect(await a.completeEvents([], 'A')).toBe(0);
      target.clock.advance(1_001);
      const left = await a.claim({ kind: 'event', owner: 'C', limit: 10, leaseMs: 1_000, topics: [t] });
      expect(left.map((row) => row.dedupeKey)).toEqual([`${t}-2`]);
      expect((await claim(a, 'C', [t])).map((row) => row.dedupeKey)).toEqual([`${t}-3`]);
    });

    it("reads other origins' recent news and events, not its own, not jobs, oldest first", async () => {
      const t = topic('news');
      const since = target.clock.now();
      await a.append([{ kind: 'news', topic: t, payload: 'from-a', dedupeKey: 'n1' }]);
      target.clock.advance(1);
      await b.append([{ kind: 'news', topic: t, payload: 'from-b', dedupeKey: 'n2' }, job(t, 'job-b')]);
      target.clock.advance(1);
      await b.append([{ kind: 'event', topic: t, payload: 'event-b', dedupeKey: 'e' }]);
      const seenByA = (await a.newsSince(since, target.origins[0])).filter((row) => row.topic === t);
      const seenByB = (await b.newsSince(since, target.origins[1])).filter((row) => row.topic === t);
      expect(seenByA.map((row) => row.payload)).toEqual(['from-b', 'event-b']);
      expect(seenByB.map((row) => row.payload)).toEqual(['from-a']);
      expect(await a.newsSince(target.clock.now() + 1, '')).toEqual([]);
    });

    it('tells when the oldest undone row of a kind was written, and forgets it once done', async () => {
      const t = topic('oldest');
      const now = target.clock.now();
      // Earlier than every row the other tests wrote, so these two are the oldest of the database.
      const undone = await b.countUndone('event');
      target.clock.set(1);
      await a.append([job(t, 'older job')]);
      expect(await b.countUndone('event')).toBe(undone);
      target.clock.set(2);
      await a.append([{ kind: 'event', topic: t, payload: 'e', dedupeKey: `${t}-e` }], {
        claim: { owner: 'A', leaseMs: 1_000 },
      });
      target.clock.set(now);
      expect(await b.oldestUndoneAt('event')).toBe(2);
      expect(await b.oldestUndoneAt('job')).toBe(1);
      expect(await b.countUndone('event')).toBe(undone + 1);
      expect(await a.completeEvents([`${t}-e`], 'A')).toBe(1);
      expect(await b.countUndone('event')).toBe(undone);
      const after = await b.oldestUndoneAt('event');
      expect(after === null || after >= now - 60_000).toBe(true);
    });

    it('purges done rows and old news, and keeps what is still due', async () => {
      const t = topic('purge');
      await a.append([
        job(t, 'done'),
        job(t, 'due'),
        { kind: 'news', topic: t, payload: 'n', dedupeKey: 'n' },
      ]);
      const [done] = await claim(a, 'A', [t], 1);
      await a.complete(done!.id, 'A');
      target.clock.advance(10);
      await a.purge(target.clock.now(), target.clock.now());
      expect((await claim(a, 'A', [t])).map((row) => row.payload)).toEqual(['due']);
      expect((await a.newsSince(0, '')).filter((row) => row.topic === t)).toEqual([]);
    });
  });
}
