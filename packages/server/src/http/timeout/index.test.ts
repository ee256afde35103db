import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, listen, type RunningServer } from '../test-app.ts';
import { timeout } from './index.ts';

/** Resolves when the signal aborts, with its reason. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('timeout', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers 504 past the deadline and aborts the signal the handler waits on', async () => {
    const seen = deferred<{ aborted: boolean; reason: unknown }>();
    const app = createTestApp();
    app.use(timeout({ ms: 20 }));
    app.get('/slow', async (c) => {
      const reason = await aborted(c.var.deadline.signal);
      seen.resolve({ aborted: c.var.deadline.signal.aborted, reason });
      return c.text('too late');
    });
    const res = await app.request('/slow');
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({ code: 'LIFT_TIMEOUT', status: 504 });
    const { aborted: wasAborted, reason } = await seen.promise;
    expect(wasAborted).toBe(true);
    expect(reason).toMatchObject({ code: 'LIFT_TIMEOUT' });
  });

  it('lets a handler that finishes in time answer, and leaves its signal alone', async () => {
    let signal: AbortSignal | undefined;
    const app = createTestApp();
    app.use(timeout({ ms: 1_000 }));
    app.get('/fast', (c) => {
      signal = c.var.deadline.signal;
      return c.text('done');
    });
    const res = await app.request('/fast');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(signal?.aborted).toBe(false);
  });

  it('passes errors from the handler through', async () => {
    const app = createTestApp();
    app.use(timeout({ ms: 1_000 }));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
  });

  it('aborts the signal when the client disconnects', async () => {
    const started = deferred<void>();
    const seen = deferred<boolean>();
    const app = createTestApp();
    app.use(timeout({ ms: 10_000 }));
    app.get('/wait', async (c) => {
      started.resolve();
      await aborted(c.var.deadline.signal);
      seen.resolve(c.var.deadline.signal.aborted);
      return c.text('gone');
    });
    server = await listen(app);
    const req = http.get(`${server.url}/wait`);
    req.on('error', () => undefined);
    await started.promise;
    req.destroy();
    expect(await seen.promise).toBe(true);
  });
});
