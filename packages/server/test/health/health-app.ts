import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { ReadinessReport } from '../../src/telemetry/index.ts';

/**
 * Test support for the health suites: apps on a SQLite file of their own (no modules unless asked, so only
 * the components under test answer; pass `{}` for the default modules), closed and removed after each test, and probes that read the report.
 */

const opened: Array<{ app: LiftApp; dir: string }> = [];

afterEach(async () => {
  const apps = opened.splice(0);
  await Promise.all(apps.map(({ app }) => app.close()));
  for (const { dir } of apps) rmSync(dir, { recursive: true, force: true });
});

/** A started app (migrated, event-loop monitor running). */
export async function healthApp(
  config: LiftConfigInput = {},
  options: Parameters<typeof createLift>[1] = { modules: [] },
): Promise<{ app: LiftApp; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lift-health-'));
  const app = createLift(
    {
      env: 'test',
      dataDir: dir,
      log: { level: 'silent' },
      ...config,
      // A loaded test machine blocks the loop for longer than the default limit; the event-loop test lowers it.
      health: { maxEventLoopDelayMs: 60_000, ...config.health },
    },
    options,
  );
  opened.push({ app, dir });
  await app.start();
  return { app, dir };
}

export interface Probe {
  status: number;
  report: ReadinessReport;
}

/** One readiness probe through the app (no socket). */
export async function probe(app: LiftApp, path = '/health/ready'): Promise<Probe> {
  const response = await app.fetch(new Request(`http://lift.test${path}`));
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, report: (await response.json()) as ReadinessReport };
}

/** A check that counts its calls and answers as told. */
export function countingCheck(answer: () => Promise<void> = async () => {}) {
  const counter = {
    calls: 0,
    ping: async () => {
      counter.calls += 1;
      await answer();
    },
  };
  return counter;
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
