import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../app/create-lift.ts';
import { createTestApp } from '../test-app.ts';
import { LoadMonitor, loadShedding } from './index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds the event loop, as a CPU-bound handler or a synchronous parse of a huge body would. */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy-wait
  }
}

/** Polls `condition` every few ms until it holds or `ms` passed; returns whether it held. */
async function eventually(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (await condition()) return true;
    await sleep(10);
  }
  return false;
}

describe('the load-shedding stage', () => {
  const signal = { overloaded: false };
  let shed = 0;
  const app = createTestApp();
  app.use(
    loadShedding({
      signal,
      retryAfterSeconds: 7,
      exemptPaths: ['/health', '/metrics/'],
      counter: { inc: () => void shed++ },
    }),
  );
  app.get('*', (c) => c.text('ok'));

  afterEach(() => {
    signal.overloaded = false;
    shed = 0;
  });

  it('passes everything while the process is not overloaded', async () => {
    expect((await app.request('/notes')).status).toBe(200);
    expect(shed).toBe(0);
  });

  it('answers 503 LIFT_OVERLOADED with Retry-After while overloaded, and counts it', async () => {
    signal.overloaded = true;
    const response = await app.request('/notes');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toMatchObject({ code: 'LIFT_OVERLOADED' });
    await app.request('/notes/1');
    expect(shed).toBe(2);
  });

  it('always serves the exempt prefixes and what lies under them, not look-alikes', async () => {
    signal.overloaded = true;
    for (const path of ['/health', '/health/live', '/metrics', '/metrics/extra']) {
      expect((await app.request(path)).status, path).toBe(200);
    }
    for (const path of ['/healthz', '/metricsx', '/api/health']) {
      expect((await app.request(path)).status, path).toBe(503);
    }
    expect(shed).toBe(3);
  });
});

describe('LoadMonitor', () => {
  const monitors: LoadMonitor[] = [];
  afterEach(() => {
    for (const monitor of monitors.splice(0)) monitor.stop();
  });

  it('turns overloaded when the heap stays over its threshold, and back below 90 % of it', async () => {
    let heap = 0.5;
    const monitor = new LoadMonitor({
      maxEventLoopDelayMs: 60_000,
      maxHeapUsedRatio: 0.9,
      sampleIntervalMs: 20,
      heapUsedRatio: () => heap,
    });
    monitors.push(monitor);
    monitor.start();
    await sleep(100);
    expect(monitor.overloaded).toBe(false);
    heap = 0.95;
    expect(await eventually(() => monitor.overloaded)).toBe(true);
    // Between 81 % and 90 % it stays overloaded: no flapping around the threshold.
    heap = 0.85;
    await sleep(150);
    expect(monitor.overloaded).toBe(true);
    heap = 0.5;
    expect(await eventually(() => !monitor.overloaded)).toBe(true);
  });

  it('turns overloaded while the event loop is blocked again and again, and recovers once it is free', async () => {
    const changes: boolean[] = [];
    const monitor = new LoadMonitor({
      maxEventLoopDelayMs: 100,
      maxHeapUsedRatio: 1,
      sampleIntervalMs: 50,
      onChange: (overloaded) => changes.push(overloaded),
    });
    monitors.push(monitor);
    monitor.start();
    await sleep(200);
    // One stall (a module loading) is not overload: shedding never started.
    blockLoop(300);
    await sleep(300);
    expect(changes).toEqual([]);
    const blocked = await eventually(() => {
      blockLoop(300);
      return monitor.overloaded;
    });
    expect(blocked).toBe(true);
    expect(await eventually(() => !monitor.overloaded)).toBe(true);
    expect(changes).toEqual([true, false]);
  });

  it('reports nothing before start and after stop', async () => {
    const monitor = new LoadMonitor({
      maxEventLoopDelayMs: 100,
      maxHeapUsedRatio: 0.5,
      sampleIntervalMs: 10,
      heapUsedRatio: () => 1,
    });
    monitors.push(monitor);
    await sleep(50);
    expect(monitor.overloaded).toBe(false);
    monitor.start();
    expect(await eventually(() => monitor.overloaded)).toBe(true);
    monitor.stop();
    expect(monitor.overloaded).toBe(false);
  });
});

describe('load shedding in a Lift app', () => {
  let app: LiftApp | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-load-shedding-'));
  afterEach(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sheds a normal route with 503 and Retry-After, keeps /health/live up, and recovers', async () => {
    app = createLift(
      {
        env: 'test',
        dataDir,
        log: { level: 'silent' },
        mail: { url: 'memory:' },
        http: { loadShedding: { maxEventLoopDelayMs: 100, sampleIntervalMs: 50, retryAfterSeconds: 3 } },
      },
      { modules: [] },
    );
    app.get('/hello', () => ({ hello: 'world' }));
    await app.start();
    const hello = () => app!.fetch(new Request('http://lift.test/hello'));
    expect((await hello()).status).toBe(200);

    let shedAnswer: Response | undefined;
    let liveAnswer: Response | undefined;
    const shed = await eventually(async () => {
      blockLoop(300);
      // Both asked in the same turn, so both see the same decision.
      const [h, live] = await Promise.all([hello(), app!.fetch(new Request('http://lift.test/health/live'))]);
      shedAnswer = h;
      liveAnswer = live;
      return h.status === 503;
    });
    expect(shed).toBe(true);
    expect(shedAnswer!.headers.get('retry-after')).toBe('3');
    expect(shedAnswer!.headers.get('content-type')).toContain('application/problem+json');
    expect(await shedAnswer!.json()).toMatchObject({ code: 'LIFT_OVERLOADED', status: 503 });
    expect(liveAnswer!.status).toBe(200);
    const shedCount = /^load_shed_total (\d+)$/m.exec(await app.module('telemetry').scrape())?.[1];
    expect(Number(shedCount)).toBeGreaterThanOrEqual(1);

    expect(await eventually(async () => (await hello()).status === 200)).toBe(true);
  });

  it('sheds nothing with http.loadShedding.enabled false', async () => {
    app = createLift(
      {
        env: 'test',
        dataDir,
        log: { level: 'silent' },
        mail: { url: 'memory:' },
        http: { loadShedding: { enabled: false, maxEventLoopDelayMs: 1, sampleIntervalMs: 10 } },
      },
      { modules: [] },
    );
    app.get('/hello', () => ({ hello: 'world' }));
    await app.start();
    for (let i = 0; i < 5; i++) {
      blockLoop(100);
      await sleep(20);
      expect((await app.fetch(new Request('http://lift.test/hello'))).status).toBe(200);
    }
  });
});
