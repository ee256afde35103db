import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthApp, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';

/**
 * A timing comparison is statistics on a shared machine: a burst of load during one attempt can push it over its
 * bound. A real difference (an unknown account answering faster) fails every attempt; noise rarely repeats.
 */
const TIMING = { retry: 3 };

/**
 * No account enumeration through timing: for signup and forgot-password, the median response time for a
 * registered address and for an unknown one differ by less than 20%. Real argon2id parameters (signup hashes
 * in both branches); samples alternate between the two kinds so machine noise hits both alike. Login timing
 * is covered in login.test.ts.
 */

const SAMPLES = 15;
let env: AuthApp;

beforeAll(async () => {
  env = await startAuthApp({
    passwords: { memoryCost: 19_456, timeCost: 2 },
    auth: { throttle: { signup: 10_000, forgot: 10_000 } },
  });
  await env.app.identity.users.create({ email: 'known@example.com', passwordHash: null });
});

afterAll(async () => {
  await env.close();
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(path: string, body: unknown): Promise<number> {
  const started = performance.now();
  const response = await env.app.fetch(
    new Request(`http://lift.test${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  const elapsed = performance.now() - started;
  await response.arrayBuffer();
  expect(response.status).toBe(202);
  // Work queued after the answer is not part of what a client can time; let it finish between samples.
  await env.app.identity.idle();
  await env.app.events.settled();
  return elapsed;
}

async function compare(path: string, body: (email: string, index: number) => unknown) {
  const known: number[] = [];
  const unknown: number[] = [];
  // Warm-up: the first requests pay for JIT and the password dictionaries.
  await timed(path, body('known@example.com', -1));
  await timed(path, body('warmup@example.com', -1));
  for (let index = 0; index < SAMPLES; index++) {
    known.push(await timed(path, body('known@example.com', index)));
    unknown.push(await timed(path, body(`nobody-${index}@example.com`, index)));
  }
  const [a, b] = [median(known), median(unknown)];
  // Pairs ran back to back, so the median of their differences cancels load that hits both alike.
  const paired = median(known.map((value, index) => value - unknown[index]!));
  return { known: a, unknown: b, paired, difference: Math.abs(paired) / Math.max(a, b) };
}

/**
 * Under 20% apart — or, for answers that take about a millisecond (the work is queued after the answer),
 * under half a millisecond apart: below that, scheduler noise on a loaded machine is all there is to see.
 */
function indistinguishable(result: { paired: number; difference: number }): boolean {
  return result.difference < 0.2 || Math.abs(result.paired) < 0.5;
}

describe('response timing does not reveal accounts', () => {
  it('signup: registered vs new address', TIMING, async () => {
    const result = await compare('/auth/signup', (email) => ({ email, password: GOOD_PASSWORD }));
    expect(indistinguishable(result), JSON.stringify(result)).toBe(true);
  });

  it('forgot password: registered vs unknown address', TIMING, async () => {
    const result = await compare('/auth/password/forgot', (email) => ({ email }));
    expect(indistinguishable(result), JSON.stringify(result)).toBe(true);
  });
});
