import { describe, expect, it } from 'vitest';
import { healthApp, probe } from './health-app.ts';

/** Readiness turns 503 `draining` as soon as close() begins; liveness stays 200 and in-flight requests finish. */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('draining on close', () => {
  it('answers ready 503 draining over HTTP during health.drainDelayMs while a slow request finishes', async () => {
    const { app } = await healthApp({ health: { drainDelayMs: 400 } });
    app.get('/slow', async () => {
      await sleep(700);
      return { finished: true };
    });
    const { url } = await app.listen({ port: 0 });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    const inFlight = fetch(`${url}/slow`);
    await sleep(50);
    const closing = app.close();
    await sleep(20);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining', components: {}, failing: [], degraded: [] });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { status: string }).status).toBe('draining');
    const live = await fetch(`${url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'live' });

    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(await slow.json()).toEqual({ finished: true });
    await closing;
  });

  it('is draining from the first moment of close(), without a drain delay too', async () => {
    const { app } = await healthApp();
    app.get('/slow', async () => {
      await sleep(300);
      return { finished: true };
    });
    const { url } = await app.listen({ port: 0 });
    const inFlight = fetch(`${url}/slow`);
    await sleep(50);
    const closing = app.close();
    // The listener is closed at once; a probe that reaches the app (keep-alive, serverless) sees draining.
    const { status, report } = await probe(app);
    expect(status).toBe(503);
    expect(report.status).toBe('draining');
    expect((await app.fetch(new Request('http://lift.test/health/live'))).status).toBe(200);
    expect((await inFlight).status).toBe(200);
    await closing;
  });
});
