import { afterAll, describe, expect, it, vi } from 'vitest';
import { runLiftInProcess, startLiftInProcess } from './support/lift-in-process.ts';
import { type LiftServer, tempDataDir } from './support/lift-process.ts';

/**
 * Black-box: what a new user reads from the `lift` command — exit codes, error lines, warnings, what
 * `config print` hides and what `migrate` lists. Each case is one that used to mislead (issue 10, item 15).
 * The commands run in this process (lift-in-process.ts), with their own environment and captured output.
 */
vi.setConfig({ testTimeout: 90_000 });

const running: LiftServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

const COOKIE_WARNING = 'session cookie without Secure';
const NOTES_APP = ['--app', 'examples/notes/src/app.ts'];

describe('lift command line: answers a new user can act on', () => {
  it('config print shows lifetimes and switches, hiding only what the schema marks secret', async () => {
    const printed = await runLiftInProcess(['config', 'print'], {
      LIFT_SECRET: 'a-very-long-secret-value-that-must-not-appear-0123456789',
      LIFT_HTTP__CORS__CREDENTIALS: 'true',
    });
    expect(printed.code).toBe(0);
    const config = JSON.parse(printed.stdout);
    expect(config.secret).toBe('***');
    expect(config.auth.resetTokenTtlMs).toBe(3_600_000);
    expect(config.auth.emailTokenTtlMs).toBe(86_400_000);
    expect(config.tokens.accessTokenTtlMs).toBe(600_000);
    expect(config.http.cors.credentials).toBe(true);
  });

  it('a bare lift prints the usage on stderr and exits 2', async () => {
    const bare = await runLiftInProcess([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: lift <command>');
    expect((await runLiftInProcess(['--help'])).code).toBe(0);
  });

  it('users create with a malformed email names the flag and what is wrong', async () => {
    const created = await runLiftInProcess(['users', 'create', '--email', 'notanemail'], {
      LIFT_DATA_DIR: tempDataDir(),
      LIFT_LOG__LEVEL: 'silent',
    });
    expect(created.code).toBe(2);
    expect(created.stderr).toBe('lift: --email notanemail: An email address looks like name@example.com.\n');
  });

  it('configuration errors read as a sentence, or as a list when there are several', async () => {
    const one = await runLiftInProcess(['config', 'print'], { LIFT_PORT: 'abc' });
    expect(one.code).toBe(1);
    expect(one.stderr).toBe(
      'lift: invalid configuration: port from env LIFT_PORT: must be a number, got "abc"\n',
    );
    const two = await runLiftInProcess(['config', 'print'], { LIFT_PORT: 'abc', LIFT_WORKERS: '0' });
    expect(two.code).toBe(1);
    expect(two.stderr).toBe(
      [
        'lift: invalid configuration (2 problems):',
        '  - port from env LIFT_PORT: must be a number, got "abc"',
        '  - workers from env LIFT_WORKERS: must be >= 1, got 0',
        '',
      ].join('\n'),
    );
  });

  it('warns about the development cookie once, when serving, not on every command', async () => {
    const env = { LIFT_DATA_DIR: tempDataDir() };
    const migrated = await runLiftInProcess(['migrate'], env);
    expect(migrated.code).toBe(0);
    const created = await runLiftInProcess(['users', 'create', '--email', 'ada@example.com'], env);
    expect(created.code).toBe(0);
    for (const output of [migrated, created])
      expect(output.stdout + output.stderr).not.toContain(COOKIE_WARNING);

    const lift = await startLiftInProcess([], env);
    running.push(lift);
    expect(lift.stdout().split(COOKIE_WARNING)).toHaveLength(2);
  });

  it('migrate status names migrations as migrate does, and says when the app is not included', async () => {
    const env = { LIFT_DATA_DIR: tempDataDir() };
    const before = await runLiftInProcess(['migrate', 'status', ...NOTES_APP], env);
    expect(before.stdout).toMatch(/^pending\s+lift\/0001_create_kv$/m);
    expect(before.stdout).toMatch(/^pending\s+notes\/0001_notes$/m);
    expect(before.stderr).toBe('');

    const up = await runLiftInProcess(['migrate', ...NOTES_APP], env);
    const applied = /^Applied: (.*)$/m.exec(up.stdout)?.[1]?.split(', ') ?? [];
    const listed = (await runLiftInProcess(['migrate', 'status', ...NOTES_APP], env)).stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[1]);
    expect(listed).toEqual(applied);

    const withoutApp = await runLiftInProcess(['migrate', 'status'], env);
    expect(withoutApp.code).toBe(0);
    expect(withoutApp.stdout).not.toContain('notes/');
    expect(withoutApp.stderr).toContain(
      "no app given (--app MODULE or config key app): only Lift's own migrations",
    );
  });

  it('production refuses to start with mail going to files unless mail.url says so', async () => {
    const env = {
      LIFT_ENV: 'production',
      LIFT_SECRET: 'production-secret-of-at-least-thirty-two-bytes',
      LIFT_AUTH__PUBLIC_URL: 'https://app.example.com',
      LIFT_DATA_DIR: tempDataDir(),
    };
    expect((await runLiftInProcess(['migrate'], env)).code).toBe(0);
    const refused = await runLiftInProcess(['serve', '--port', '0'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^lift: mail\.url is not set: in production .*LIFT_MAIL__URL/);

    const chosen = await startLiftInProcess([], { ...env, LIFT_MAIL__URL: 'file:' });
    running.push(chosen);
    expect((await fetch(`${chosen.url}/health/ready`)).status).toBe(200);
  });
});
