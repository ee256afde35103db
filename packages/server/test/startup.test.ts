import { createPublicKey, type JsonWebKey, randomBytes, verify } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { decodeBase32, totpAt } from '../src/identity/mfa/index.ts';
import { HttpSession } from './support/http-session.ts';
import { runLiftInProcess, startLiftInProcess } from './support/lift-in-process.ts';
import { freePort, type LiftServer, runLift, startLift, tempDataDir } from './support/lift-process.ts';
import { freshPostgresSchemaUrl, postgresUrl } from './support/services.ts';

/**
 * Black-box: a production start that cannot work says why in one line and what to run; readiness waits for
 * every migration; the root secret changes on a running deployment (previous secret accepted, reseal, drop).
 * On SQLite and on a PostgreSQL schema of their own. The commands run in this process (lift-in-process.ts),
 * except where the test reads what an `--app` module logs, which only a real `lift` process captures.
 */
vi.setConfig({ testTimeout: 180_000 });

const APP = 'examples/notes/src/app.ts';
const PASSWORD = 'violet kettle marching 1887';

const running: LiftServer[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
  await Promise.all(cleanups.map((cleanup) => cleanup()));
});

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

type StorageKind = 'sqlite' | 'postgres';
const pgUrl = await postgresUrl();

/** A production environment with a fresh database of the given kind. */
async function productionEnv(kind: StorageKind, secret: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    LIFT_ENV: 'production',
    LIFT_SECRET: secret,
    LIFT_DATA_DIR: tempDataDir(),
    LIFT_AUTH__PUBLIC_URL: 'https://lift.example.com',
    LIFT_MAIL__URL: 'memory:',
  };
  if (kind === 'postgres') {
    const schema = await freshPostgresSchemaUrl('startup');
    cleanups.push(() => schema.drop());
    env.LIFT_STORAGE__URL = schema.url;
  }
  return env;
}

async function start(
  args: string[],
  env: Record<string, string>,
  how: typeof startLiftInProcess = startLiftInProcess,
): Promise<LiftServer> {
  const lift = await how(args, env);
  running.push(lift);
  return lift;
}

/**
 * `lift serve` that must not start: non-zero exit, one `lift: …` line on stderr, no logged stack. With `--app`,
 * run it as a process (`runLift`): the app module's logger writes there, not to a command run in this process.
 */
async function refusedServe(
  args: string[],
  env: Record<string, string>,
  how: typeof runLift = runLiftInProcess,
): Promise<string> {
  const result = await how(['serve', '--port', String(await freePort()), ...args], env);
  expect(result.code, result.stdout + result.stderr).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^lift: /);
  expect(result.stdout).not.toMatch(/"stack"|"level":50/);
  return lines[0]!;
}

async function lift(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runLiftInProcess(args, env);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

const kinds: StorageKind[] = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];

describe('lift secret', () => {
  it('explains reseal with --help and refuses another action with exit code 2', async () => {
    const help = await runLiftInProcess(['secret', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/lift secret reseal/);
    expect(help.stdout).toContain('LIFT_SECRET_PREVIOUS');
    const wrong = await runLiftInProcess(['secret', 'rotate']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('lift: usage: lift secret reseal\n');
  });
});

describe('production start with a database that does not answer', () => {
  it('says which database in one line, its password masked', async () => {
    const env = await productionEnv('sqlite', newSecret());
    const line = await refusedServe([], {
      ...env,
      LIFT_STORAGE__URL: 'postgres://app:pw-9317@127.0.0.1:1/app',
    });
    expect(line).toMatch(
      /^lift: The SQL database \(storage.url postgres:\/\/app:\*\*\*@127.0.0.1:1\/app\) did not answer: .*ECONNREFUSED/,
    );
    expect(line).not.toContain('pw-9317');
  });
});

describe.each(kinds)('production start on %s', (kind) => {
  it('refuses an unmigrated database in one line naming the migrations and the command to run', async () => {
    const env = await productionEnv(kind, newSecret());
    const line = await refusedServe(['--app', APP], env, runLift);
    expect(line).toMatch(/not migrated: .*lift\/0001_create_kv/);
    expect(line).toContain(`Run lift migrate --app ${APP}`);
    expect(line).not.toMatch(/no such table|does not exist/);
  });

  it('is not ready while the app has pending migrations, and turns ready once lift migrate --app has run', async () => {
    const env = await productionEnv(kind, newSecret());
    await lift(['migrate'], env); // Lift's own tables only: the app module was not named.
    // A process: the app module logs "migrations pending".
    const server = await start(['--app', APP], env, startLift);
    expect(server.stdout()).toMatch(/migrations pending/);

    const before = await fetch(`${server.url}/health/ready`);
    expect(before.status).toBe(503);
    const report = (await before.json()) as {
      failing: string[];
      components: Record<string, { status: string; error?: string }>;
    };
    expect(report.failing).toEqual(['migrations']);
    expect(report.components.migrations?.error).toMatch(/notes\/0001_notes, notes\/0002_note_authors/);
    expect(report.components.migrations?.error).toContain(`lift migrate --app ${APP}`);

    expect(await lift(['migrate', '--app', APP], env)).toMatch(/Applied: notes\/0001_notes/);
    // Pending migrations are looked up on every probe, so the next one already sees them applied.
    const after = await fetch(`${server.url}/health/ready`);
    expect(after.status, await after.clone().text()).toBe(200);
  });

  it('refuses a root secret other than the one the database was made with, saying to restore it', async () => {
    const env = await productionEnv(kind, newSecret());
    await lift(['migrate'], env);
    await lift(['keys', 'rotate'], env); // seals signing keys with the first secret
    const line = await refusedServe([], { ...env, LIFT_SECRET: newSecret() });
    expect(line).toMatch(/LIFT_SECRET does not open the signing keys sealed in this database/);
    expect(line).toMatch(/Restore that secret/);
    expect(line).toContain('LIFT_SECRET_PREVIOUS');
  });

  it('changes the root secret: old + new accepted, reseal while serving, then the new one alone', async () => {
    const oldSecret = newSecret();
    const env = await productionEnv(kind, oldSecret);
    await lift(['migrate', '--app', APP], env);
    const created = await lift(['users', 'create', '--email', 'rotate@example.com'], env);
    const link = new URL(/link: (\S+)/.exec(created)![1]!);

    // Before: a password, TOTP, and an access token, all sealed or signed under the old secret.
    const before = await start(['--app', APP], env);
    const setPassword = await fetch(`${before.url}${link.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link.searchParams.get('token'), new_password: PASSWORD }),
    });
    expect(setPassword.status, await setPassword.clone().text()).toBe(200);
    const browser = new HttpSession(before.url);
    expect(
      (await browser.post('/auth/login', { email: 'rotate@example.com', password: PASSWORD })).status,
    ).toBe(200);
    const enroll = await browser.post('/auth/mfa/totp/enroll');
    expect(enroll.status, await enroll.clone().text()).toBe(200);
    const totp = decodeBase32(((await enroll.json()) as { secret: string }).secret);
    // Each login below uses a later time step than the one before (a step is accepted once).
    const confirm = await browser.post('/auth/mfa/totp/confirm', { code: totpAt(totp, Date.now() - 30_000) });
    expect(confirm.status, await confirm.clone().text()).toBe(200);
    const token = await totpLogin(before.url, totp, 0);
    await before.stop();

    // Only the new secret, before the reseal: refused in one line (the old secret sealed everything; the first
    // module to start that holds sealed data names it: signing keys, as tokens start before identity).
    const newOnly = { ...env, LIFT_SECRET: newSecret() };
    expect(await refusedServe(['--app', APP], newOnly, runLift)).toMatch(
      /^lift: LIFT_SECRET does not open the (signing keys|MFA secrets) sealed in this database/m,
    );

    // New secret with the old one as previous: everything still opens; reseal runs while this server serves.
    const rotating = { ...newOnly, LIFT_SECRET_PREVIOUS: oldSecret };
    const during = await start(['--app', APP], rotating);
    await expectTokenAccepted(during.url, token);
    const resealed = await lift(['secret', 'reseal', '--app', APP], rotating);
    expect(resealed).toMatch(/MFA secrets: 1 re-sealed, 0 already current/);
    expect(resealed).toMatch(/signing keys: 1 re-sealed, 0 already current/);
    expect(resealed).toContain('Remove LIFT_SECRET_PREVIOUS');
    const again = await lift(['secret', 'reseal', '--app', APP], rotating);
    expect(again).toMatch(/MFA secrets: 0 re-sealed, 1 already current/);
    expect(again).toMatch(/signing keys: 0 re-sealed, 1 already current/);
    await expectTokenAccepted(during.url, token);
    await during.stop();

    // The old secret dropped: TOTP login works and the old token still verifies through the JWKS.
    const after = await start(['--app', APP], newOnly);
    await expectTokenAccepted(after.url, token);
    await totpLogin(after.url, totp, 30_000);
  });
});

/** Password + TOTP login asking for tokens; the code is for now + `offsetMs`. Returns the access token. */
async function totpLogin(url: string, totp: Buffer, offsetMs: number): Promise<string> {
  const client = new HttpSession(url);
  const login = await client.post('/auth/login', {
    email: 'rotate@example.com',
    password: PASSWORD,
    response: 'tokens',
  });
  expect(login.status, await login.clone().text()).toBe(200);
  const { mfa_token } = (await login.json()) as { mfa_token: string };
  const verified = await client.post('/auth/mfa/verify', {
    mfa_token,
    code: totpAt(totp, Date.now() + offsetMs),
  });
  expect(verified.status, await verified.clone().text()).toBe(200);
  const body = (await verified.json()) as { access_token: string };
  expect(body.access_token).toEqual(expect.any(String));
  return body.access_token;
}

/** The server publishes the token's key in its JWKS, the signature verifies with it, and the server accepts it. */
async function expectTokenAccepted(url: string, token: string): Promise<void> {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
  const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: JsonWebKey[] };
  const jwk = jwks.keys.find((key) => key.kid === kid);
  expect(jwk, `kid ${kid} in the JWKS`).toBeDefined();
  const publicKey = createPublicKey({ key: jwk!, format: 'jwk' });
  expect(
    verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')),
  ).toBe(true);
  const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(me.status, await me.clone().text()).toBe(200);
}
