import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signCompact } from '../../../packages/server/src/tokens/jws/index.ts';
import {
  type LiftProcess,
  runLift,
  startLift,
  tempDataDir,
  waitForOutput,
} from '../../../packages/server/test/support/lift-process.ts';
import { JwksProxy } from './jwks-proxy.ts';

/**
 * Black-box, two kinds of process: an issuer (`src/issuer.ts`, a Lift with its default modules) and resource
 * servers (`src/app.ts`, only the remoteTokens module), each a real `lift serve`, talking real HTTP. The
 * resource servers fetch the issuer's JWKS through a counting proxy in this process.
 */
vi.setConfig({ testTimeout: 180_000 });

const FLOOR_MS = 3_000;
const ISSUER = 'http://issuer.test';
const AUDIENCE = 'http://api.test';
const PASSWORD = 'violet kettle marching 1887';
const ISSUER_APP = ['--app', 'examples/resource-server/src/issuer.ts'];
const RESOURCE_APP = ['--app', 'examples/resource-server/src/app.ts'];
const ISSUER_ENV = {
  LIFT_TOKENS__ISSUER: ISSUER,
  LIFT_TOKENS__AUDIENCE: AUDIENCE,
  LIFT_TOKENS__ACCESS_TOKEN_TTL_MS: '10000',
};

const running: LiftProcess[] = [];
const proxy = new JwksProxy();
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
  await proxy.close();
});

async function start(args: string[], env: Record<string, string>): Promise<LiftProcess> {
  const lift = await startLift(args, env);
  running.push(lift);
  return lift;
}

function resourceServer(name: string, audience: string): Promise<LiftProcess> {
  return start(RESOURCE_APP, {
    LIFT_REMOTE_TOKENS__ISSUER: ISSUER,
    LIFT_REMOTE_TOKENS__JWKS_URL: proxy.urlFor(name),
    LIFT_REMOTE_TOKENS__AUDIENCE: audience,
    LIFT_REMOTE_TOKENS__REFETCH_FLOOR_MS: String(FLOOR_MS),
    LIFT_REMOTE_TOKENS__CLOCK_SKEW_MS: '0',
  });
}

async function tokenLogin(issuer: LiftProcess): Promise<string> {
  const response = await fetch(`${issuer.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@lift.localhost', password: PASSWORD, response: 'tokens' }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function call(server: LiftProcess, path: string, token?: string, method = 'GET'): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const body = method === 'POST' ? JSON.stringify({ title: 'RFC 9068', url: 'https://example.com' }) : null;
  return fetch(`${server.url}${path}`, { method, headers, body });
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code;
}

function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
}

/** Waits until `name`'s last JWKS fetch is older than the floor, so its next unknown kid may fetch again. */
async function pastFloor(name: string): Promise<void> {
  const wait = (proxy.lastAt.get(name) ?? 0) + FLOOR_MS + 200 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** A token signed by a key the issuer never had, under a made-up kid. */
function forged(kid: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, sub: 'mallory', aud: AUDIENCE, exp: now + 60, iat: now, jti: kid };
  const key = generateKeyPairSync('ed25519').privateKey;
  return signCompact({ typ: 'at+jwt' }, claims, { kid, alg: 'EdDSA', key });
}

/** The processes and tokens the steps below share, in the order they run. */
interface World {
  dataDir: string;
  issuer: LiftProcess;
  api: LiftProcess;
  otherApi: LiftProcess;
  /** A token of the issuer's first key, ten seconds long. */
  first: string;
}
let world: World;

/** The issuer's first development start prints a set-password link for its admin: set the password. */
async function setAdminPassword(issuer: LiftProcess): Promise<void> {
  const printed = await waitForOutput(issuer, /(http:\/\/\S+\/auth\/password\/reset\?token=[A-Za-z0-9_-]+)/);
  const reset = await fetch(`${issuer.url}/auth/password/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: new URL(printed[1]!).searchParams.get('token'), new_password: PASSWORD }),
  });
  expect(reset.status).toBe(200);
}

beforeAll(async () => {
  await proxy.listen();
  const dataDir = tempDataDir();
  const issuer = await start(ISSUER_APP, { ...ISSUER_ENV, LIFT_DATA_DIR: dataDir });
  proxy.target = issuer.url;
  const [api, otherApi] = await Promise.all([
    resourceServer('api', AUDIENCE),
    resourceServer('other', 'http://other-api.test'),
  ]);
  await setAdminPassword(issuer);
  world = { dataDir, issuer, api, otherApi, first: await tokenLogin(issuer) };
}, 120_000);

describe('a resource server verifies the tokens of another Lift (steps run in order)', () => {
  it('has no identity or tokens module: nothing to log in to, no keys of its own', async () => {
    expect((await fetch(`${world.api.url}/auth/login`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${world.api.url}/.well-known/jwks.json`)).status).toBe(404);
    expect((await call(world.api, '/api/me')).status).toBe(401);
  });

  it("accepts the issuer's token with its subject and scope; the scoped write needs a scope it lacks", async () => {
    const me = await call(world.api, '/api/me', world.first);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ scopes: ['notes:read'], amr: ['pwd'] });
    expect((await call(world.api, '/api/reading-list', world.first)).status).toBe(200);
    const write = await call(world.api, '/api/reading-list', world.first, 'POST');
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="notes:write"',
    );
    expect(await codeOf(write)).toBe('LIFT_INSUFFICIENT_SCOPE');
  });

  it('refuses the same token at a service it was not issued for (wrong audience)', async () => {
    const elsewhere = await call(world.otherApi, '/api/me', world.first);
    expect(elsewhere.status).toBe(401);
    expect(await codeOf(elsewhere)).toBe('LIFT_TOKEN_INVALID');
  });

  it('asks the issuer once per floor, however many made-up kids arrive', async () => {
    await pastFloor('api');
    const before = proxy.count('api');
    for (let i = 0; i < 10; i++) {
      const response = await call(world.api, '/api/me', forged(`made-up-${i}`));
      expect(response.status).toBe(401);
      expect(await codeOf(response)).toBe('LIFT_TOKEN_INVALID');
    }
    expect(proxy.count('api')).toBe(before + 1);
  });

  it('fails closed on an unknown kid while the issuer is down; known keys keep working', async () => {
    await world.issuer.stop();
    await pastFloor('api');
    const down = await call(world.api, '/api/me', forged('while-down'));
    expect(down.status).toBe(503);
    expect(await codeOf(down)).toBe('LIFT_JWKS_UNAVAILABLE');
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    await waitForOutput(world.api, /could not fetch the issuer JWKS/);
    expect((await call(world.api, '/api/me', world.first)).status).toBe(200);
  });

  it('accepts a token of the key `lift keys rotate` made, after exactly one refetch', async () => {
    const env = { ...ISSUER_ENV, LIFT_DATA_DIR: world.dataDir };
    const rotated = await runLift(['keys', 'rotate', ...ISSUER_APP], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = /New active signing key: ([A-Za-z0-9_-]+)\./.exec(rotated.stdout)?.[1];
    const restarted = await start(ISSUER_APP, env);
    proxy.target = restarted.url;
    const second = await tokenLogin(restarted);
    expect(kidOf(second)).toBe(newKid);
    expect(kidOf(second)).not.toBe(kidOf(world.first));
    await pastFloor('api');
    const before = proxy.count('api');
    expect((await call(world.api, '/api/me', second)).status).toBe(200);
    expect(proxy.count('api')).toBe(before + 1);
    // Now a known kid: no further fetch.
    expect((await call(world.api, '/api/me', second)).status).toBe(200);
    expect(proxy.count('api')).toBe(before + 1);
  });

  it('refuses the first token, accepted above, once its ten seconds are over', async () => {
    const claims = JSON.parse(Buffer.from(world.first.split('.')[1]!, 'base64url').toString()) as {
      exp: number;
    };
    const untilExpired = claims.exp * 1000 + 500 - Date.now();
    if (untilExpired > 0) await new Promise((resolve) => setTimeout(resolve, untilExpired));
    const expired = await call(world.api, '/api/me', world.first);
    expect(expired.status).toBe(401);
    expect(await codeOf(expired)).toBe('LIFT_TOKEN_INVALID');
  });
});
