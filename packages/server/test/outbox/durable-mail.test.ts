import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readMailbox } from '../../src/mail/index.ts';
import { freePort, type LiftProcess, startLift, tempDataDir } from '../support/lift-process.ts';

/**
 * Black-box: mail queued by a real `lift serve` survives SIGKILL. Every signup answered 202 ends with exactly
 * one verification mail after a restart: the job is in the outbox before the answer, and a retried job is
 * written once because it carries its key (storage/outbox/, mail/mail-queue.ts).
 */
vi.setConfig({ testTimeout: 120_000 });

const running: LiftProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

const PASSWORD = 'violet kettle marching 1887';
const ENV = {
  LIFT_AUTH__THROTTLE__SIGNUP: '1000',
  // A claim held by the killed process is taken over after this.
  LIFT_STORAGE__OUTBOX__LEASE_MS: '1000',
  LIFT_STORAGE__OUTBOX__BACKOFF_BASE_MS: '200',
};

async function start(dataDir: string, env: Record<string, string> = {}): Promise<LiftProcess> {
  const lift = await startLift([], { ...ENV, ...env, LIFT_DATA_DIR: dataDir });
  running.push(lift);
  return lift;
}

function signup(lift: LiftProcess, email: string): Promise<number> {
  return fetch(`${lift.url}/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  }).then(
    (response) => response.status,
    () => 0,
  );
}

/** Verification mails per address, once the mailbox has one for each of `expected` (or the deadline passes). */
async function verificationMails(dataDir: string, expected: string[]): Promise<Map<string, number>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const counts = new Map<string, number>();
    for (const mail of await readMailbox(path.join(dataDir, 'mail'))) {
      if (mail.links.some((link) => link.includes('/email/verify'))) {
        counts.set(mail.to, (counts.get(mail.to) ?? 0) + 1);
      }
    }
    if (expected.every((to) => counts.has(to)) || Date.now() > deadline) {
      // A little longer, so a duplicate written late would be seen.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return counts;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('durable mail', () => {
  it('sends every verification mail once after SIGKILL during a burst of 10 signups', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    const addresses = Array.from({ length: 10 }, (_, index) => `burst${index}@example.com`);
    const answered: string[] = [];
    const statuses = addresses.map(async (email) => {
      const status = await signup(first, email);
      if (status === 202) answered.push(email);
      // Mid-way: at the fifth answer, the process dies at once, its queued mail in hand.
      if (answered.length === 5 && status === 202) first.child.kill('SIGKILL');
      return status;
    });
    await Promise.all(statuses);
    expect(await first.exited).toBe('SIGKILL');
    expect(answered.length).toBeGreaterThanOrEqual(5);
    const beforeRestart = await readMailbox(path.join(dataDir, 'mail'));
    console.info(
      `[durable mail] ${answered.length} signups answered 202; ${beforeRestart.length} mails written before SIGKILL`,
    );

    await start(dataDir);
    const counts = await verificationMails(dataDir, answered);
    for (const email of answered)
      expect({ email, mails: counts.get(email) ?? 0 }).toEqual({ email, mails: 1 });
  });

  it('keeps mail through a mail outage and a crash, and sends it once the transport answers', async () => {
    const dataDir = tempDataDir();
    // Nothing listens there: every attempt fails and is put back with a backoff.
    const down = await start(dataDir, { LIFT_MAIL__URL: `smtp://127.0.0.1:${await freePort()}` });
    const addresses = ['outage0@example.com', 'outage1@example.com', 'outage2@example.com'];
    expect(await Promise.all(addresses.map((email) => signup(down, email)))).toEqual([202, 202, 202]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    down.child.kill('SIGKILL');
    await down.exited;
    expect(await readMailbox(path.join(dataDir, 'mail'))).toEqual([]);

    await start(dataDir);
    const counts = await verificationMails(dataDir, addresses);
    for (const email of addresses)
      expect({ email, mails: counts.get(email) ?? 0 }).toEqual({ email, mails: 1 });
  });
});
