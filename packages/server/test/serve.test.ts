import { afterAll, describe, expect, it, vi } from 'vitest';
import { HttpSession, waitForMailLink } from './support/http-session.ts';
import { runLiftInProcess, startLiftInProcess } from './support/lift-in-process.ts';
import {
  type LiftProcess,
  type LiftServer,
  startLift,
  tempDataDir,
  waitForOutput,
} from './support/lift-process.ts';

/**
 * Black-box: the `lift` command, spoken to over HTTP. What needs a process of its own runs the real command in a
 * child process (slow-ish): SIGTERM, cluster workers, process-wide handlers for unhandled errors. The rest runs
 * in this process (lift-in-process.ts).
 */
vi.setConfig({ testTimeout: 90_000 });

const running: LiftServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

async function start(args: string[], env: Record<string, string> = {}): Promise<LiftServer> {
  const lift = await startLiftInProcess(args, env);
  running.push(lift);
  return lift;
}

async function startProcess(args: string[], env: Record<string, string> = {}): Promise<LiftProcess> {
  const lift = await startLift(args, env);
  running.push(lift);
  return lift;
}

describe('lift serve', () => {
  it('starts on a free port and is ready (SQLite, in-process broker)', async () => {
    const lift = await start([]);
    const live = await fetch(`${lift.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${lift.url}/health/ready`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { status: string; components: Record<string, { status: string }> };
    expect(report.status).toBe('ready');
    expect(Object.keys(report.components).sort()).toEqual([
      'broker',
      'disk',
      'event_loop',
      'kv',
      'mail',
      'migrations',
      'outbox',
      'rate_limits',
      'sql',
    ]);
    expect(lift.stdout()).toMatch(/generated a development secret/);
  });

  it('reports 503 naming the component that does not answer', async () => {
    const lift = await start([], { LIFT_STORAGE__KV: 'redis://127.0.0.1:1' });
    const ready = await fetch(`${lift.url}/health/ready`);
    expect(ready.status).toBe(503);
    const report = (await ready.json()) as { status: string; failing: string[] };
    expect(report.status).toBe('unavailable');
    // The rate-limit store follows storage.kv (limits.store auto), so it is down with it.
    expect(report.failing).toEqual(['kv', 'rate_limits']);
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const lift = await startProcess(['--app', 'packages/server/test/fixtures/shutdown-app.ts']);
    const inFlight = fetch(`${lift.url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    lift.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    expect(await lift.exited).toBe(0);
    await expect(fetch(`${lift.url}/health/live`)).rejects.toThrow();
  });

  it('logs and counts unhandled rejections and exceptions, and keeps serving', async () => {
    const lift = await startProcess(['--app', 'packages/server/test/fixtures/shutdown-app.ts']);
    expect((await fetch(`${lift.url}/reject`)).status).toBe(200);
    expect((await fetch(`${lift.url}/throw-later`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const health = await fetch(`${lift.url}/health`);
    const body = (await health.json()) as {
      stats: { unhandledRejections: number; uncaughtExceptions: number };
    };
    expect(body.stats).toMatchObject({ unhandledRejections: 1, uncaughtExceptions: 1 });
    // Counted first, written by the logger after: wait for the lines rather than read them at once.
    await waitForOutput(lift, /unhandled promise rejection/);
    await waitForOutput(lift, /uncaught exception/);
  });

  it('serves with several cluster workers and stops them all on SIGTERM', async () => {
    const lift = await startProcess(['--workers', '2', '--app', 'examples/notes/src/app.ts']);
    expect(lift.stdout()).toContain('(2 workers)');
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${lift.url}/hello`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    // A session made through one worker is valid on every worker (one SQL store, revocations relayed).
    const browser = new HttpSession(lift.url);
    await browser.post('/auth/signup', {
      email: 'cluster@example.com',
      password: 'violet kettle marching 1887',
    });
    const link = await waitForMailLink(lift.dataDir, 'cluster@example.com', '/auth/email/verify');
    const token = new URL(link).searchParams.get('token');
    expect((await browser.post('/auth/email/verify', { token })).status).toBe(200);
    const mes = await Promise.all(Array.from({ length: 10 }, () => browser.request('/me')));
    expect(mes.map((response) => response.status)).toEqual(Array(10).fill(200));
    // The tenant made through one worker lets its owner write notes through any worker, once the access
    // change has reached it over the broker (well within a second).
    const tenant = await browser.post('/tenants', { name: 'Acme', slug: 'acme' });
    expect(tenant.status).toBe(201);
    const { id } = ((await tenant.json()) as { tenant: { id: string } }).tenant;
    let created = await browser.post(`/tenants/${id}/notes`, { title: 'shared by every worker' });
    for (let tries = 0; created.status === 403 && tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      created = await browser.post(`/tenants/${id}/notes`, { title: 'shared by every worker' });
    }
    expect(created.status).toBe(201);
    lift.child.kill('SIGTERM');
    expect(await lift.exited).toBe(0);
  });

  it('serves the reference app', async () => {
    const lift = await start(['--app', 'examples/notes/src/app.ts']);
    const hello = await fetch(`${lift.url}/hello`);
    expect(await hello.json()).toEqual({ hello: 'world' });
  });
});

describe('lift command line', () => {
  it('refuses to start in production without a strong secret, saying how to make one', async () => {
    const missing = await runLiftInProcess(['serve'], {
      LIFT_ENV: 'production',
      LIFT_DATA_DIR: tempDataDir(),
    });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^lift: .*LIFT_SECRET/);
    expect(missing.stderr).toMatch(/openssl rand|randomBytes/);

    const weak = await runLiftInProcess(['serve'], {
      NODE_ENV: 'production',
      LIFT_SECRET: 'short',
      LIFT_DATA_DIR: tempDataDir(),
    });
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toMatch(/32 bytes/);
  });

  it('prints help, and exits non-zero with one line on bad input', async () => {
    const help = await runLiftInProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('lift <command>');
    const serveHelp = await runLiftInProcess(['serve', '--help']);
    expect(serveHelp.stdout).toContain('--workers N');

    const unknown = await runLiftInProcess(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('lift: unknown command "launch"; run lift --help\n');
    const badFlag = await runLiftInProcess(['serve', '--bogus']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr.trim().split('\n')).toHaveLength(1);
    const badPort = await runLiftInProcess(['serve', '--port', 'abc'], { LIFT_DATA_DIR: tempDataDir() });
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toMatch(/^lift: .*port.*flag/);
  });

  it('migrates and reports status', async () => {
    const env = { LIFT_DATA_DIR: tempDataDir() };
    const args = ['--app', 'examples/notes/src/app.ts'];
    const before = await runLiftInProcess(['migrate', 'status', ...args], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/pending\s+.*0001_notes/);
    const up = await runLiftInProcess(['migrate', ...args], env);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/Applied: .*0001_notes/);
    const again = await runLiftInProcess(['migrate', 'up', ...args], env);
    expect(again.stdout).toContain('No pending migrations.');
    const after = await runLiftInProcess(['migrate', 'status', ...args], env);
    expect(after.stdout).not.toContain('pending');
  });

  it('prints the effective config with secrets redacted', async () => {
    const printed = await runLiftInProcess(['config', 'print'], {
      LIFT_SECRET: 'a-very-long-secret-value-that-must-not-appear-0123456789',
      LIFT_STORAGE__URL: 'postgres://app:pg-password-9@127.0.0.1:5432/app',
    });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain('a-very-long-secret');
    expect(printed.stdout).not.toContain('pg-password-9');
    expect(printed.stdout).toContain('"port": 3000');
  });
});
