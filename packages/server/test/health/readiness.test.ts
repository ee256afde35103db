import { describe, expect, it } from 'vitest';
import { countingCheck, deferred, healthApp, probe } from './health-app.ts';

describe('readiness checks: timeout, cache and single flight', () => {
  it('runs a check at most once for 200 concurrent probes within the cache window', async () => {
    const { app } = await healthApp({ health: { cacheMs: 60_000 } });
    const check = countingCheck();
    app.addHealthCheck('counted', check);
    const probes = await Promise.all(Array.from({ length: 200 }, () => probe(app)));
    expect(probes.every(({ status }) => status === 200)).toBe(true);
    expect(probes.every(({ report }) => report.components.counted?.status === 'up')).toBe(true);
    expect(check.calls).toBe(1);
    // Sequential probes within the window reuse the result too.
    for (let i = 0; i < 20; i += 1) await probe(app);
    expect(check.calls).toBe(1);
  });

  it('checks again once the cache window has passed', async () => {
    const { app } = await healthApp({ health: { cacheMs: 400 } });
    await probe(app); // the first probe opens the database: the window below is for fast probes only
    const check = countingCheck();
    app.addHealthCheck('counted', check);
    await probe(app);
    await probe(app);
    expect(check.calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 450));
    await probe(app);
    expect(check.calls).toBe(2);
  });

  it('shares one in-flight run between concurrent callers, even with the cache off', async () => {
    const { app } = await healthApp({ health: { cacheMs: 0 } });
    const gate = deferred();
    const check = countingCheck(() => gate.promise);
    app.addHealthCheck('slow', check);
    const waiting = Promise.all(Array.from({ length: 50 }, () => probe(app)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(check.calls).toBe(1);
    gate.resolve();
    const probes = await waiting;
    expect(probes.map(({ status }) => status)).toEqual(Array(50).fill(200));
    expect(check.calls).toBe(1);
    // With the cache off, the next probe after the run checks again.
    await probe(app);
    expect(check.calls).toBe(2);
  });

  it('reports a hanging check down after its timeout, and never starts it twice while it hangs', async () => {
    const { app } = await healthApp({ health: { checkTimeoutMs: 100, cacheMs: 0 } });
    const check = countingCheck(() => new Promise(() => {}));
    app.addHealthCheck('hangs', check);
    const started = performance.now();
    const first = await probe(app);
    const elapsed = performance.now() - started;
    expect(first.status).toBe(503);
    expect(first.report.status).toBe('unavailable');
    expect(first.report.failing).toEqual(['hangs']);
    expect(first.report.components.hangs).toMatchObject({ status: 'down', error: 'no answer within 100 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
    const second = await probe(app);
    expect(second.report.components.hangs?.status).toBe('down');
    expect(check.calls).toBe(1);
  });

  it('answers 200 degraded when only a non-critical component is down, 503 when a critical one is', async () => {
    const { app } = await healthApp({ health: { cacheMs: 0 } });
    let fail = true;
    const failing = async () => {
      if (fail) throw new Error('refused');
    };
    app.addHealthCheck('optional', { ping: failing }, { critical: false });
    const degraded = await probe(app);
    expect(degraded.status).toBe(200);
    expect(degraded.report).toMatchObject({ status: 'degraded', failing: [], degraded: ['optional'] });
    expect(degraded.report.components.optional).toMatchObject({
      status: 'down',
      critical: false,
      error: 'refused',
    });
    app.addHealthCheck('required', { ping: failing });
    const unavailable = await probe(app);
    expect(unavailable.status).toBe(503);
    expect(unavailable.report).toMatchObject({
      status: 'unavailable',
      failing: ['required'],
      degraded: ['optional'],
    });
    fail = false;
    const ready = await probe(app);
    expect(ready.status).toBe(200);
    expect(ready.report).toMatchObject({ status: 'ready', failing: [], degraded: [] });
  });

  it('/health reports every component and the stats with the readiness status code', async () => {
    const { app } = await healthApp({ health: { cacheMs: 0 } });
    app.addHealthCheck('optional', { ping: () => Promise.reject(new Error('nope')) }, { critical: false });
    const { status, report } = await probe(app, '/health');
    expect(status).toBe(200);
    expect(Object.keys(report.components).sort()).toEqual([
      'broker',
      'disk',
      'event_loop',
      'kv',
      'migrations',
      'optional',
      'outbox',
      'sql',
    ]);
    expect((report as unknown as { stats: object }).stats).toMatchObject({ unexpectedErrors: 0 });
  });
});
