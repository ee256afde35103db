import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call } from '../../../test/support/app-request.ts';
import { kvTargets, type OpenKv } from '../../../test/support/stores.ts';
import { createLift, type LiftApp } from '../../app/create-lift.ts';
import { requireAuth } from '../../core/authenticate.ts';
import { ManualClock } from '../../core/clock.ts';
import { InternalError } from '../../core/errors.ts';
import { requestScope } from '../../core/request-scope.ts';
import type { Principal } from '../../core/request-state.ts';
import type { Middleware } from '../../core/routes.ts';
import { storeKeyOf } from './idempotency-key.ts';
import { type IdempotencyOutcome, idempotency } from './index.ts';

const adapters = await kvTargets('idempotency');
const HOUR = 60 * 60 * 1000;

function principal(id: string): Principal {
  return {
    type: 'user',
    id,
    userId: id,
    sessionId: null,
    authMethod: 'bearer',
    amr: ['pwd'],
    authTime: 0,
    fresh: true,
  };
}

/**
 * A stand-in for the token resolver: `Authorization: Bearer <user id>` authenticates that user. It settles the
 * request's authentication as the resolver chain would, so `requireAuth()` and the middleware see the principal.
 */
const bearerStandIn: Middleware = async (c, next) => {
  const value = c.req.header('authorization');
  c.set('principal', value?.startsWith('Bearer ') ? principal(value.slice(7)) : null);
  requestScope(c).authenticated = true;
  await next();
};

/** A deferred the test resolves, so a handler can be held "still running". */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe.each(adapters)('idempotency() on $name', ({ open, clockDrivesExpiry }) => {
  const clock = new ManualClock();
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-idempotency-'));
  let store: OpenKv;
  let app: LiftApp;
  let runs = 0;
  let hold: { wait: Promise<void>; open(): void } | undefined;
  let failNext: 'return' | 'throw' | undefined;
  const outcomes: IdempotencyOutcome[] = [];
  let keyCounter = 0;
  /** A key no other test uses: the Redis store outlives a test, and its expiry is not the manual clock's. */
  const nextKey = () => `key-${Date.now()}-${++keyCounter}`;

  beforeAll(async () => {
    store = await open(clock);
    app = createLift(
      { env: 'test', dataDir, log: { level: 'silent' }, mail: { url: 'memory:' } },
      { modules: [] },
    );
    const guarded = app.group(
      '/notes',
      bearerStandIn,
      requireAuth(),
      idempotency({
        kv: store.kv,
        log: app.log,
        ttlMs: HOUR,
        metrics: { record: (outcome) => outcomes.push(outcome) },
      }),
    );
    guarded.post('/', async (ctx) => {
      runs += 1;
      const run = runs;
      const body = await ctx.raw.req.json();
      if (hold !== undefined) await hold.wait;
      if (failNext === 'throw') throw new InternalError();
      if (failNext === 'return') return new Response('down', { status: 503 });
      ctx.raw.header('set-cookie', 'first=1');
      return new Response(JSON.stringify({ run, body }), {
        status: 201,
        headers: { 'content-type': 'application/json', location: `/notes/${run}`, 'set-cookie': 'first=1' },
      });
    });
    guarded.patch('/empty', () => new Response(null, { status: 204, headers: { etag: `"${++runs}"` } }));
    guarded.get('/', () => ({ runs: ++runs }));
    guarded.post('/typed', (ctx) => {
      runs += 1;
      ctx.response.status = 201;
      ctx.response.headers.set('location', `/notes/typed/${runs}`);
      return { run: runs };
    });
    app
      .group('/public', bearerStandIn, idempotency({ kv: store.kv, log: app.log }))
      .post('/', () => ({ ok: true }));
    await app.start();
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    hold = undefined;
    failNext = undefined;
    outcomes.length = 0;
  });

  const post = (key: string | undefined, body: unknown, user = 'ada', path = '/notes') =>
    call(app, path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user}`,
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(body),
    });

  it('replays the first answer — status, headers, body — to a retry, without running the handler again', async () => {
    const key = nextKey();
    const first = await post(key, { text: 'hello' });
    const firstBody = await first.text();
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const runsAfterFirst = runs;

    const retry = await post(key, { text: 'hello' });
    expect(retry.status).toBe(201);
    expect(await retry.text()).toBe(firstBody);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('content-type')).toBe('application/json');
    // The cookie was the first request's; pipeline headers are the replay's own.
    expect(retry.headers.get('set-cookie')).toBeNull();
    expect(retry.headers.get('x-request-id')).not.toBeNull();
    expect(retry.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(retry.headers.get('x-content-type-options')).toBe('nosniff');
    expect(runs).toBe(runsAfterFirst);
    expect(outcomes).toEqual(['stored', 'replayed']);
  });

  it('replays the headers a handler set through ctx.response, not the pipeline’s', async () => {
    const key = nextKey();
    const send = () => post(key, { text: 'typed' }, 'ada', '/notes/typed');
    const first = await send();
    const retry = await send();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(await retry.json()).toEqual(await first.json());
  });

  it('replays an answer without a body (204) on PATCH', async () => {
    const key = nextKey();
    const send = () =>
      call(app, '/notes/empty', {
        method: 'PATCH',
        headers: { authorization: 'Bearer ada', 'idempotency-key': key },
      });
    const first = await send();
    const retry = await send();
    expect(retry.status).toBe(204);
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers 409 LIFT_IDEMPOTENCY_IN_PROGRESS while the first request runs, and replays once it is done', async () => {
    const key = nextKey();
    hold = gate();
    const first = post(key, { text: 'slow' });
    // Wait until the first request holds the key (its handler has started).
    const started = runs;
    while (runs === started) await new Promise((resolve) => setTimeout(resolve, 5));

    const during = await post(key, { text: 'slow' });
    expect(during.status).toBe(409);
    expect(during.headers.get('retry-after')).toBe('1');
    expect(((await during.json()) as { code: string }).code).toBe('LIFT_IDEMPOTENCY_IN_PROGRESS');

    hold.open();
    const done = await first;
    expect(done.status).toBe(201);
    const after = await post(key, { text: 'slow' });
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    expect(outcomes).toEqual(['in_progress', 'stored', 'replayed']);
  });

  it('answers 422 LIFT_IDEMPOTENCY_MISMATCH for the same key with another body or path', async () => {
    const key = nextKey();
    expect((await post(key, { text: 'one' })).status).toBe(201);
    const runsAfterFirst = runs;
    const other = await post(key, { text: 'two' });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('LIFT_IDEMPOTENCY_MISMATCH');
    const otherPath = await post(key, { text: 'one' }, 'ada', '/notes?draft=1');
    expect(otherPath.status).toBe(422);
    expect(runs).toBe(runsAfterFirst);
  });

  it('keeps principals apart: the same key of another principal runs on its own', async () => {
    const key = nextKey();
    const ada = await post(key, { text: 'same' }, 'ada');
    const grace = await post(key, { text: 'same' }, 'grace');
    expect(grace.status).toBe(201);
    expect(grace.headers.get('idempotent-replayed')).toBeNull();
    expect(await grace.text()).not.toBe(await ada.text());
    // Grace's own retry replays Grace's answer; another body from Grace is no mismatch with Ada's.
    expect((await post(key, { text: 'same' }, 'grace')).headers.get('idempotent-replayed')).toBe('true');
    const keyTwo = nextKey();
    await post(keyTwo, { text: 'a' }, 'ada');
    expect((await post(keyTwo, { text: 'b' }, 'grace')).status).toBe(201);
  });

  // Redis expires keys by its own clock, not the test's: there the TTL handed to `set` is what counts, and the
  // key-value conformance suite shows Redis honours it. These two run where the test's clock decides.
  const withClock = clockDrivesExpiry ? it : () => undefined;

  withClock('forgets the answer when the TTL passes: the request runs again', async () => {
    const key = nextKey();
    await post(key, { text: 'ttl' });
    clock.advance(HOUR - 1);
    expect((await post(key, { text: 'ttl' })).headers.get('idempotent-replayed')).toBe('true');
    const runsBefore = runs;
    clock.advance(1);
    const again = await post(key, { text: 'ttl' });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(runs).toBe(runsBefore + 1);
  });

  withClock('frees a key whose first request never finished once its lease runs out', async () => {
    const key = nextKey();
    const stuck = gate();
    hold = stuck;
    const first = post(key, { text: 'stuck' });
    const started = runs;
    while (runs === started) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await post(key, { text: 'stuck' })).status).toBe(409);
    // The default lease is 60 s: a crashed process's claim stops blocking the key then.
    clock.advance(60_000);
    hold = undefined;
    const retry = await post(key, { text: 'stuck' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    // Let the first request end, so it does not outlive the test.
    stuck.open();
    await first;
  });

  it('stores no 5xx answer, returned or thrown: the retry runs again', async () => {
    const key = nextKey();
    failNext = 'return';
    expect((await post(key, { text: 'x' })).status).toBe(503);
    failNext = 'throw';
    expect((await post(key, { text: 'x' })).status).toBe(500);
    failNext = undefined;
    const retry = await post(key, { text: 'x' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(outcomes).toEqual(['released', 'released', 'stored']);
  });

  it('refuses an invalid key with 400 LIFT_IDEMPOTENCY_KEY_INVALID before the handler runs', async () => {
    const runsBefore = runs;
    for (const key of ['', 'x'.repeat(256), 'has space', 'caf\u00e9']) {
      const response = await call(app, '/notes', {
        method: 'POST',
        headers: { authorization: 'Bearer ada', 'content-type': 'application/json', 'idempotency-key': key },
        body: '{}',
      }).catch(() => undefined);
      // `café` cannot be sent in a Fetch header (not a ByteString); the others reach the server.
      if (response === undefined) continue;
      expect(response.status, JSON.stringify(key)).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('LIFT_IDEMPOTENCY_KEY_INVALID');
    }
    expect((await post('x'.repeat(255), { text: 'max' })).status).toBe(201);
    expect(runs).toBe(runsBefore + 1);
  });

  it('refuses a key without a principal (401) rather than scope it by client address', async () => {
    const anonymous = await call(app, '/public', {
      method: 'POST',
      headers: { 'idempotency-key': nextKey() },
    });
    expect(anonymous.status).toBe(401);
    expect((await call(app, '/public', { method: 'POST' })).status).toBe(200);
  });

  it('replaces an unreadable record with its claim, so a concurrent retry still waits', async () => {
    const key = nextKey();
    await store.kv.set(storeKeyOf('idempotency:', principal('ada'), key), 'not a record');
    const held = gate();
    hold = held;
    const first = post(key, { text: 'fresh' });
    const started = runs;
    while (runs === started) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await post(key, { text: 'fresh' })).status).toBe(409);
    held.open();
    expect((await first).status).toBe(201);
    expect((await post(key, { text: 'fresh' })).headers.get('idempotent-replayed')).toBe('true');
    expect(runs).toBe(started + 1);
  });

  it('leaves requests without the header, and GET, alone', async () => {
    const first = await post(undefined, { text: 'plain' });
    const second = await post(undefined, { text: 'plain' });
    expect(await second.text()).not.toBe(await first.text());
    const key = nextKey();
    const get = () =>
      call(app, '/notes', { headers: { authorization: 'Bearer ada', 'idempotency-key': key } });
    expect(await (await get()).json()).not.toEqual(await (await get()).json());
    expect(outcomes).toEqual([]);
  });
});
