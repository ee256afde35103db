import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type LiftProcess, startLift } from '../support/lift-process.ts';
import { redisUrl, uniqueRedisPrefix } from '../support/services.ts';

/**
 * The claim of issue 14, black-box: three real `lift serve` processes share one Redis, a route admits N per
 * window, and many concurrent requests spread over the three never get more than N through. Every request
 * comes from 127.0.0.1, so the per-IP counter is the same one in all three processes. The same with the SQL
 * store on one SQLite file (the embedded shape with several processes).
 */

vi.setConfig({ testTimeout: 120_000 });

const url = await redisUrl();
const LIMIT = 25;
const REQUESTS_PER_PROCESS = 60;

describe.skipIf(!url)('rate limiting across three lift serve processes on one Redis', () => {
  const running: LiftProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((lift) => lift.stop()));
  });

  it(`admits exactly ${LIMIT} of ${3 * REQUESTS_PER_PROCESS} concurrent requests`, async () => {
    const env = {
      LIFT_STORAGE__KV: url!,
      LIFT_STORAGE__REDIS_PREFIX: uniqueRedisPrefix('rl3'),
      LIFT_LOG__LEVEL: 'warn',
      RATE_LIMIT_N: String(LIMIT),
    };
    const args = ['--app', 'packages/server/test/fixtures/rate-limited-app.ts'];
    const servers = await Promise.all([0, 1, 2].map(() => startLift(args, env)));
    running.push(...servers);
    await admitsExactlyTheLimit(servers);
  });
});

/** Readiness first, then 3 × REQUESTS_PER_PROCESS concurrent requests round robin: exactly LIMIT get through. */
async function admitsExactlyTheLimit(servers: LiftProcess[]): Promise<void> {
  // Readiness pings the rate-limit store: each process has its Redis connection open before the race.
  for (const server of servers) expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
  // Round robin, so the three race for the same counter from the first request on.
  const targets = Array.from({ length: 3 * REQUESTS_PER_PROCESS }, (_, index) => index % 3);
  const responses = await Promise.all(targets.map((index) => fetch(`${servers[index]!.url}/limited/x`)));
  const statuses = responses.map((response) => response.status);
  const admittedBy = [0, 1, 2].map(
    (server) => targets.filter((target, index) => target === server && statuses[index] === 200).length,
  );
  expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
  expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
  // Each process admitted some, so the counter really was shared, not one process taking them all.
  expect(admittedBy.filter((admitted) => admitted > 0).length).toBeGreaterThan(1);
  const refused = responses.find((response) => response.status === 429)!;
  expect(await refused.json()).toMatchObject({ code: 'LIFT_RATE_LIMITED', policy: 'shared' });
}

describe('rate limiting across three lift serve processes on one SQLite file', () => {
  const running: LiftProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-rl3-sqlite-'));
  afterAll(async () => {
    await Promise.all(running.map((lift) => lift.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`admits exactly ${LIMIT} of ${3 * REQUESTS_PER_PROCESS} concurrent requests`, async () => {
    const env = {
      LIFT_DATA_DIR: dataDir,
      LIFT_LIMITS__STORE: 'sql',
      LIFT_LOG__LEVEL: 'warn',
      RATE_LIMIT_N: String(LIMIT),
    };
    const args = ['--app', 'packages/server/test/fixtures/rate-limited-app.ts'];
    // One after another: the first migrates the shared file, the others find it migrated.
    for (let i = 0; i < 3; i++) running.push(await startLift(args, env));
    await admitsExactlyTheLimit(running);
  });
});
