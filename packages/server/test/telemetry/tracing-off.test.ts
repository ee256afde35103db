import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/lift-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

/**
 * Without an exporter, tracing is a no-op: an app that serves requests (a success, a 404 problem) and closes
 * loads no OpenTelemetry package and sends nothing, even with an endpoint configured. Checked in a child
 * process, whose module cache is its own.
 */
const exec = promisify(execFile);

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function script(endpoint: string): string {
  const createLift = path.join(repoRoot, 'packages/server/src/app/create-lift.ts');
  return `
import { createRequire } from 'node:module';
const { createLift } = await import(${JSON.stringify(createLift)});
const app = createLift({
  env: 'test',
  log: { level: 'silent' },
  storage: { url: 'sqlite::memory:', kv: 'memory:' },
  tracing: { endpoint: ${JSON.stringify(endpoint)} },
});
await app.start();
const live = await app.fetch(new Request('http://lift.test/health/live'));
const missing = await app.fetch(new Request('http://lift.test/nowhere'));
const problem = await missing.json();
await app.close();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/node_modules/@opentelemetry/'));
console.log(JSON.stringify({ statuses: [live.status, missing.status], problem, loaded }));
`;
}

describe('tracing off (the default)', () => {
  it('loads no OpenTelemetry package, exports nothing and puts no trace id in problems', async () => {
    const { stdout } = await exec(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script(receiver.url)],
      { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
      statuses: number[];
      problem: Record<string, unknown>;
      loaded: string[];
    };
    expect(result.statuses).toEqual([200, 404]);
    expect(result.problem.code).toBe('LIFT_NOT_FOUND');
    expect(result.problem).not.toHaveProperty('trace_id');
    expect(result.loaded).toEqual([]);
    expect(receiver.spans).toEqual([]);
  });
});
