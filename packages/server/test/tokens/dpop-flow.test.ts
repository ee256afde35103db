import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/core/authenticate.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { call as callApp } from '../support/app-request.ts';
import { type AuthApp, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';

/**
 * DPoP (RFC 9449) end to end: tokens obtained with a proof are bound to the client's key; using them needs a
 * fresh proof made with that key, so a stolen token alone is useless.
 */

interface ClientKey {
  privateKey: KeyObject;
  jwk: import('node:crypto').JsonWebKey;
}

function clientKey(): ClientKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, jwk };
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function proof(key: ClientKey, htm: string, htu: string, accessToken?: string, iat = Date.now()): string {
  const header = b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: key.jwk }));
  const claims: Record<string, unknown> = { jti: randomUUID(), htm, htu, iat: Math.floor(iat / 1000) };
  if (accessToken) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
  const payload = b64(JSON.stringify(claims));
  const signature = sign(null, Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

class SystemTimeClock extends ManualClock {
  override now(): number {
    return Date.now();
  }
}

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function setUp(config: Parameters<typeof startAuthApp>[0] = {}) {
  // Proofs carry the real time (as a client's would), so the app reads the real time too.
  env = await startAuthApp(config, new SystemTimeClock());
  const app = env.app;
  app
    .group('/t', requireAuth())
    .get('/me', (ctx) => ({ id: ctx.principal!.id, method: ctx.principal!.authMethod }));
  const user = await app.identity.users.create({
    email: 'dpop@example.com',
    passwordHash: await app.module('identity').deps.hasher.hash(GOOD_PASSWORD),
  });
  await app.identity.users.markEmailVerified(user.id);
  return { app, userId: user.id };
}

function call(app: AuthApp['app'], path: string, init: RequestInit) {
  return callApp(app, path, init, { remoteAddress: '198.51.100.9' });
}

async function dpopLogin(app: AuthApp['app'], key: ClientKey) {
  const response = await call(app, '/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', dpop: proof(key, 'POST', 'http://lift.test/auth/login') },
    body: JSON.stringify({ email: 'dpop@example.com', password: GOOD_PASSWORD, response: 'tokens' }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { access_token: string; token_type: string; refresh_token: string };
}

describe('DPoP-bound tokens', () => {
  it('binds tokens to the key of the login proof and requires a proof with that key on every use', async () => {
    const { app, userId } = await setUp();
    const key = clientKey();
    const tokens = await dpopLogin(app, key);
    expect(tokens.token_type).toBe('DPoP');
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as {
      cnf?: { jkt: string };
    };
    expect(claims.cnf?.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const use = (scheme: string, dpopProof?: string) =>
      call(app, '/t/me', {
        headers: {
          authorization: `${scheme} ${tokens.access_token}`,
          ...(dpopProof ? { dpop: dpopProof } : {}),
        },
      });

    const ok = await use('DPoP', proof(key, 'GET', 'http://lift.test/t/me', tokens.access_token));
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await ok.json()).toEqual({ id: userId, method: 'bearer' });

    // Stolen token, no key: as Bearer, without a proof, with the thief's own key, or replaying a proof.
    const asBearer = await use('Bearer');
    expect(asBearer.status).toBe(401);
    expect(((await asBearer.json()) as { code: string }).code).toBe('LIFT_TOKEN_INVALID');
    expect((await use('DPoP')).status).toBe(401);
    const thief = clientKey();
    const wrongKey = await use('DPoP', proof(thief, 'GET', 'http://lift.test/t/me', tokens.access_token));
    expect(wrongKey.status).toBe(401);
    expect(((await wrongKey.json()) as { code: string }).code).toBe('LIFT_DPOP_INVALID');
    const once = proof(key, 'GET', 'http://lift.test/t/me', tokens.access_token);
    expect((await use('DPoP', once)).status).toBe(200);
    expect((await use('DPoP', once)).status).toBe(401);
    // A proof for another URL or method does not transfer.
    expect((await use('DPoP', proof(key, 'POST', 'http://lift.test/t/me', tokens.access_token))).status).toBe(
      401,
    );
    expect(
      (await use('DPoP', proof(key, 'GET', 'http://lift.test/t/other', tokens.access_token))).status,
    ).toBe(401);

    const reasons = env!.events
      .filter((event) => event.type === 'token.rejected')
      .map((event) => event.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'dpop_required',
        'malformed',
        'jkt_mismatch',
        'replayed',
        'htm_mismatch',
        'htu_mismatch',
      ]),
    );
  });

  it('refreshes a bound family only with a proof made with the same key', async () => {
    const { app } = await setUp();
    const key = clientKey();
    const tokens = await dpopLogin(app, key);
    const refresh = (dpopProof?: string, refreshToken = tokens.refresh_token) =>
      call(app, '/auth/token', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(dpopProof ? { dpop: dpopProof } : {}),
        },
        body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(refreshToken)}`,
      });
    const stolen = await refresh();
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { code: string }).code).toBe('LIFT_INVALID_GRANT');
    expect((await refresh(proof(clientKey(), 'POST', 'http://lift.test/auth/token'))).status).toBe(400);
    const good = await refresh(proof(key, 'POST', 'http://lift.test/auth/token'));
    expect(good.status, await good.clone().text()).toBe(200);
    expect(((await good.json()) as { token_type: string }).token_type).toBe('DPoP');
  });
});

describe('DPoP htu without auth.publicUrl (development)', () => {
  it("checks htu against the listener's own address, never the Host header", async () => {
    const { app } = await setUp({ auth: { publicUrl: undefined } });
    const { port } = await app.listen({ host: '127.0.0.1', port: 0 });
    const login = (host: string, htu: string) =>
      app.fetch(
        new Request(`http://${host}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', dpop: proof(clientKey(), 'POST', htu) },
          body: JSON.stringify({ email: 'dpop@example.com', password: GOOD_PASSWORD, response: 'tokens' }),
        }),
        { remoteAddress: '127.0.0.1' },
      );

    // An attacker's Host header and a proof made for that host: refused.
    const forged = await login('evil.example', 'http://evil.example/auth/login');
    await app.events.settled();
    expect(forged.status, await forged.clone().text()).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('LIFT_DPOP_INVALID');
    expect(
      env!.events.some((event) => event.type === 'token.rejected' && event.reason === 'htu_mismatch'),
    ).toBe(true);

    // The listener's own address, under any loopback name, whatever Host the request carried.
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      const ok = await login('evil.example', `${origin}/auth/login`);
      expect(ok.status, `${origin}: ${await ok.clone().text()}`).toBe(200);
    }
    // The configured port is not the listener's once it is bound elsewhere.
    const stale = await login(`127.0.0.1:${port}`, 'http://127.0.0.1:3000/auth/login');
    expect(stale.status).toBe(401);
  });
});
