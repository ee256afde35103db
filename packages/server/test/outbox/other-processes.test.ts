import { afterAll, describe, expect, it, vi } from 'vitest';
import { HttpSession } from '../support/http-session.ts';
import { type LiftProcess, runLift, startLift } from '../support/lift-process.ts';

/**
 * Black-box, item 6 of issue 11: a change the CLI writes into the data directory of a running embedded
 * (SQLite, no Redis) server reaches that server within 2 s, through the outbox's change feed — not at its
 * next restart or 30 s reload.
 */
vi.setConfig({ testTimeout: 120_000 });

const running: LiftProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

const PASSWORD = 'violet kettle marching 1887';
const WITHIN_MS = 2_000;
const ENV = {
  LIFT_AUTH__THROTTLE__LOGIN: '1000',
  // Cheap hashes, so the password steps do not eat the 2 s being measured.
  LIFT_PASSWORDS__MEMORY_COST: '8192',
  LIFT_PASSWORDS__TIME_COST: '1',
};

/** Polls `check` until it holds; returns the ms from `since` to then, or fails after 10 s. */
async function msUntil(since: number, check: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await check()) return Date.now() - since;
    if (Date.now() - since > 10_000) throw new Error('the change never reached the running server');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function kidOf(jwt: string): string {
  return (JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
}

async function tokenKid(lift: LiftProcess, email: string): Promise<string> {
  const response = await fetch(`${lift.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, response: 'tokens' }),
  });
  expect(response.status).toBe(200);
  return kidOf(((await response.json()) as { access_token: string }).access_token);
}

async function jwksKids(lift: LiftProcess): Promise<string[]> {
  const jwks = (await (await fetch(`${lift.url}/.well-known/jwks.json`)).json()) as {
    keys: Array<{ kid: string }>;
  };
  return jwks.keys.map((key) => key.kid);
}

describe('changes from other processes (embedded shape)', () => {
  it('lift users create --admin and lift keys rotate take effect in a running server within 2 s', async () => {
    const lift = await startLift([], { ...ENV, LIFT_STORAGE__OUTBOX__FEED_POLL_MS: '500' });
    running.push(lift);
    const cli = (args: string[]) => runLift(args, { ...ENV, LIFT_DATA_DIR: lift.dataDir });

    const created = await cli(['users', 'create', '--email', 'ops@example.com', '--admin']);
    const createdAt = Date.now();
    expect(created.code, created.stderr).toBe(0);
    const link = /(http:\/\/\S+\/auth\/password\/reset\?token=[A-Za-z0-9_-]+)/.exec(created.stdout)?.[1];
    const admin = new HttpSession(lift.url);
    const token = new URL(link ?? '').searchParams.get('token');
    expect((await admin.post('/auth/password/reset', { token, new_password: PASSWORD })).status).toBe(200);
    expect((await admin.post('/auth/login', { email: 'ops@example.com', password: PASSWORD })).status).toBe(
      200,
    );
    const adminAfter = await msUntil(
      createdAt,
      async () => (await admin.request('/admin/api/users')).status === 200,
    );
    expect(adminAfter).toBeLessThanOrEqual(WITHIN_MS);

    const before = await tokenKid(lift, 'ops@example.com');
    const rotated = await cli(['keys', 'rotate']);
    const rotatedAt = Date.now();
    expect(rotated.code, rotated.stderr).toBe(0);
    const kid = /New active signing key: ([A-Za-z0-9_-]+)\./.exec(rotated.stdout)?.[1] ?? '';
    expect(kid).not.toBe(before);
    const keyAfter = await msUntil(
      rotatedAt,
      async () => (await jwksKids(lift)).includes(kid) && (await tokenKid(lift, 'ops@example.com')) === kid,
    );
    expect(keyAfter).toBeLessThanOrEqual(WITHIN_MS);
    console.info(`[other processes] admin role after ${adminAfter} ms, new signing key after ${keyAfter} ms`);
  });
});
