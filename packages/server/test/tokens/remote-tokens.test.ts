import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { LiftConfigError } from '../../src/core/errors.ts';
import type { LiftEvent } from '../../src/core/events.ts';
import { sessionsModule } from '../../src/sessions/module.ts';
import { tokensModule } from '../../src/tokens/module.ts';
import { remoteTokensModule } from '../../src/tokens/remote/index.ts';
import { requireScope } from '../../src/tokens/require-scope.ts';
import { JwksServer, newEd25519Key, newEs256Key, signToken } from './remote-issuer.ts';

/**
 * The remoteTokens module in one process: a resource app with no identity, sessions or access module accepts
 * tokens of another Lift checked against its JWKS (served over real HTTP), refuses the ones the issuer's own
 * verifier refuses, refetches on an unknown kid at most once per floor, and fails closed when the keys cannot
 * be had.
 */

const FLOOR_MS = 10_000;
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface ResourceApp {
  app: LiftApp;
  clock: ManualClock;
  jwks: JwksServer;
  events: LiftEvent[];
  get(path: string, token?: string, scheme?: string): Promise<Response>;
}

async function resourceApp(remoteTokens: Record<string, unknown> = {}): Promise<ResourceApp> {
  const jwks = new JwksServer();
  const url = await jwks.listen();
  cleanups.push(() => jwks.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-remote-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = new ManualClock();
  const app = createLift(
    {
      env: 'test',
      dataDir,
      log: { level: 'silent' },
      remoteTokens: {
        issuer: 'http://issuer.test/',
        jwksUrl: url,
        audience: 'http://api.test',
        refetchFloorMs: FLOOR_MS,
        cacheTtlMs: 60_000,
        fetchTimeoutMs: 300,
        maxJwksBytes: 4096,
        ...remoteTokens,
      } as LiftConfigInput['remoteTokens'],
    },
    { modules: [remoteTokensModule()], clock },
  );
  cleanups.push(() => app.close());
  const events: LiftEvent[] = [];
  app.events.onLocal((event) => {
    events.push(event);
  });
  const api = app.group('/api', requireAuth());
  api.get('/me', (ctx) => ctx.principal);
  api.group('/notes', requireScope('notes:read')).get('/', () => ({ notes: [] }));
  return {
    app,
    clock,
    jwks,
    events,
    async get(path, token, scheme = 'Bearer') {
      const response = await app.fetch(
        new Request(`http://api.test${path}`, {
          headers: token === undefined ? {} : { authorization: `${scheme} ${token}` },
        }),
      );
      // Events run after the answer (core/events.ts): the test reads them once they have.
      await app.events.settled();
      return response;
    },
  };
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code;
}

describe('remoteTokens: a resource server without identity, sessions or access', () => {
  it('accepts a token of the issuer and makes the principal the issuer would', async () => {
    const resource = await resourceApp();
    const key = newEd25519Key('k1');
    resource.jwks.published = [key];
    await resource.app.start();
    expect(resource.app.modules).toEqual(['telemetry', 'remoteTokens']);
    expect(resource.app.authenticator.names).toEqual(['bearer']);
    const now = resource.clock.now();
    const token = signToken({ key, now, claims: { tid: 'tenant-1', scope: 'notes:read notes:write' } });
    const response = await resource.get('/api/me', token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      type: 'user',
      id: 'user-1',
      userId: 'user-1',
      sessionId: 'family-1',
      authMethod: 'bearer',
      amr: ['pwd'],
      authTime: Math.floor(now / 1000) * 1000,
      fresh: true,
      tenantId: 'tenant-1',
      scopes: ['notes:read', 'notes:write'],
      // The token's exp and jti: a long-lived connection closes at the one and is revoked by the other.
      expiresAt: (Math.floor(now / 1000) + 600) * 1000,
      credentialId: expect.stringMatching(/^jti-/),
    });
    expect((await resource.get('/api/me')).status).toBe(401);
  });

  it('refuses what the issuer refuses: audience, issuer, expiry, type, algorithm, forged signature', async () => {
    const resource = await resourceApp({ algorithms: ['EdDSA'] });
    const key = newEd25519Key('k1');
    const ecKey = newEs256Key('ec1');
    resource.jwks.published = [key, ecKey];
    await resource.app.start();
    const now = resource.clock.now();
    const refused = [
      [signToken({ key, now, claims: { aud: 'http://other-api.test' } }), 'wrong_audience'],
      [signToken({ key, now, claims: { iss: 'http://evil.test' } }), 'wrong_issuer'],
      [signToken({ key, now, header: { typ: 'JWT' } }), 'wrong_type'],
      [signToken({ key: ecKey, now }), 'alg_not_allowed'],
      [signToken({ key: { ...newEd25519Key('k1') }, now }), 'bad_signature'],
      [signToken({ key, now, claims: { exp: Math.floor(now / 1000) + 7200 } }), 'bad_claims'],
      [signToken({ key, now, claims: { cnf: { jkt: 'thumbprint' } } }), 'dpop_unsupported'],
      [signToken({ key, now, claims: { nbf: Math.floor(now / 1000) + 120 } }), 'not_yet_valid'],
      [signToken({ key, now, claims: { scope: ['notes:read'] } }), 'bad_claims'],
    ] as const;
    for (const [token, reason] of refused) {
      const response = await resource.get('/api/me', token);
      expect(response.status, reason).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(await codeOf(response)).toBe('LIFT_TOKEN_INVALID');
      expect(resource.events.at(-1), reason).toMatchObject({ type: 'token.rejected', reason });
    }
    const good = signToken({ key, now });
    expect((await resource.get('/api/me', good, 'DPoP')).status).toBe(401);
    expect((await resource.get('/api/me', good)).status).toBe(200);
    resource.clock.advance(600_000 + 30_000);
    const expired = await resource.get('/api/me', good);
    expect(expired.status).toBe(401);
    expect(resource.events.at(-1)).toMatchObject({ type: 'token.rejected', reason: 'expired' });
  });

  it('refetches the JWKS for an unknown kid, at most once per floor', async () => {
    const resource = await resourceApp();
    const first = newEd25519Key('k1');
    resource.jwks.published = [first];
    await resource.app.start();
    const now = resource.clock.now();
    expect((await resource.get('/api/me', signToken({ key: first, now }))).status).toBe(200);
    expect(resource.jwks.requests).toBe(1);

    // The issuer rotates; the first token of the new key makes the resource server fetch again.
    resource.clock.advance(FLOOR_MS);
    const rotated = newEd25519Key('k2');
    resource.jwks.published = [first, rotated];
    expect(
      (await resource.get('/api/me', signToken({ key: rotated, now: resource.clock.now() }))).status,
    ).toBe(200);
    expect(resource.jwks.requests).toBe(2);

    // A flood of made-up kids within the floor costs the issuer nothing more.
    for (let i = 0; i < 20; i++) {
      const forged = signToken({ key: newEd25519Key(`made-up-${i}`), now: resource.clock.now() });
      const response = await resource.get('/api/me', forged);
      expect(response.status).toBe(401);
      expect(await codeOf(response)).toBe('LIFT_TOKEN_INVALID');
    }
    expect(resource.events.at(-1)).toMatchObject({ type: 'token.rejected', reason: 'unknown_kid' });
    expect(resource.jwks.requests).toBe(2);
    resource.clock.advance(FLOOR_MS);
    const again = signToken({ key: newEd25519Key('made-up-again'), now: resource.clock.now() });
    expect((await resource.get('/api/me', again)).status).toBe(401);
    expect(resource.jwks.requests).toBe(3);
    // Known keys never wait for the issuer.
    expect((await resource.get('/api/me', signToken({ key: first, now: resource.clock.now() }))).status).toBe(
      200,
    );
    expect(resource.jwks.requests).toBe(3);
  });

  it('shares one fetch among concurrent requests with the same new kid', async () => {
    const resource = await resourceApp();
    const first = newEd25519Key('k1');
    resource.jwks.published = [first];
    await resource.app.start();
    expect((await resource.get('/api/me', signToken({ key: first, now: resource.clock.now() }))).status).toBe(
      200,
    );
    resource.clock.advance(FLOOR_MS);
    const rotated = newEd25519Key('k2');
    resource.jwks.published = [first, rotated];
    const token = signToken({ key: rotated, now: resource.clock.now() });
    const answers = await Promise.all(Array.from({ length: 10 }, () => resource.get('/api/me', token)));
    expect(answers.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(resource.jwks.requests).toBe(2);
  });

  it('fetches again once the cached set is older than its TTL', async () => {
    const resource = await resourceApp({ cacheTtlMs: 60_000 });
    const key = newEd25519Key('k1');
    resource.jwks.published = [key];
    await resource.app.start();
    expect((await resource.get('/api/me', signToken({ key, now: resource.clock.now() }))).status).toBe(200);
    resource.clock.advance(59_000);
    expect((await resource.get('/api/me', signToken({ key, now: resource.clock.now() }))).status).toBe(200);
    expect(resource.jwks.requests).toBe(1);
    resource.clock.advance(1_000);
    expect((await resource.get('/api/me', signToken({ key, now: resource.clock.now() }))).status).toBe(200);
    expect(resource.jwks.requests).toBe(2);
  });

  it.each([
    ['error', 'status'],
    ['silent', 'timeout'],
    ['huge', 'too_large'],
  ] as const)(
    'fails closed when the JWKS answers %s: 503, Retry-After, a log line and an event',
    async (mode, reason) => {
      const resource = await resourceApp();
      resource.jwks.mode = mode;
      const key = newEd25519Key('k1');
      resource.jwks.published = [key];
      await resource.app.start();
      const response = await resource.get('/api/me', signToken({ key, now: resource.clock.now() }));
      expect(response.status).toBe(503);
      expect(await codeOf(response)).toBe('LIFT_JWKS_UNAVAILABLE');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(resource.events).toContainEqual(
        expect.objectContaining({ type: 'token.jwks_failed', actor: 'system', reason }),
      );
      // Within the floor, nobody asks the issuer again; after it, the next request does and succeeds.
      expect((await resource.get('/api/me', signToken({ key, now: resource.clock.now() }))).status).toBe(503);
      expect(resource.jwks.requests).toBe(1);
      const ready = await resource.app.fetch(new Request('http://api.test/health/ready'));
      expect(ready.status).toBe(503);
      resource.jwks.mode = 'ok';
      resource.clock.advance(FLOOR_MS);
      expect((await resource.get('/api/me', signToken({ key, now: resource.clock.now() }))).status).toBe(200);
      expect(resource.jwks.requests).toBe(2);
    },
  );

  it('requireScope: 403 LIFT_INSUFFICIENT_SCOPE with WWW-Authenticate unless the token has the scope', async () => {
    const resource = await resourceApp();
    const key = newEd25519Key('k1');
    resource.jwks.published = [key];
    await resource.app.start();
    const now = resource.clock.now();
    const unscoped = await resource.get('/api/notes', signToken({ key, now }));
    expect(unscoped.status).toBe(403);
    expect(unscoped.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="notes:read"',
    );
    expect(await codeOf(unscoped)).toBe('LIFT_INSUFFICIENT_SCOPE');
    expect(resource.events.at(-1)).toMatchObject({ type: 'token.insufficient_scope', actor: 'user-1' });
    const other = await resource.get('/api/notes', signToken({ key, now, claims: { scope: 'notes:readx' } }));
    expect(other.status).toBe(403);
    const scoped = await resource.get(
      '/api/notes',
      signToken({ key, now, claims: { scope: 'a notes:read' } }),
    );
    expect(scoped.status).toBe(200);
  });
});

describe('remoteTokens at boot', () => {
  it('refuses an app with both tokens and remoteTokens, naming both', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lift-remote-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const build = () =>
      createLift(
        { env: 'test', dataDir, log: { level: 'silent' }, remoteTokens: { issuer: 'http://issuer.test' } },
        { modules: [sessionsModule(), tokensModule(), remoteTokensModule()] },
      );
    expect(build).toThrow(LiftConfigError);
    expect(build).toThrow(
      'The authentication resolver "bearer" is added by both module "tokens" and module "remoteTokens"',
    );
  });

  it('defaults the JWKS URL and the audience from the issuer, as a Lift issuer publishes and signs them', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lift-remote-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const app = createLift(
      {
        env: 'test',
        dataDir,
        log: { level: 'silent' },
        remoteTokens: { issuer: 'https://auth.example.com/' },
      },
      { modules: [remoteTokensModule()] },
    );
    cleanups.push(() => app.close());
    const remote = app.module('remoteTokens');
    expect(remote.issuer).toBe('https://auth.example.com');
    expect(remote.jwksUrl).toBe('https://auth.example.com/.well-known/jwks.json');
    expect(remote.audience).toBe('https://auth.example.com');
  });

  it('needs remoteTokens.issuer, and an http(s) JWKS URL (https in production)', () => {
    const build =
      (remoteTokens: Record<string, unknown>, env: 'test' | 'production' = 'test') =>
      () =>
        createLift({ env, log: { level: 'silent' }, remoteTokens } as LiftConfigInput, {
          modules: [remoteTokensModule()],
        });
    expect(build({})).toThrow('remoteTokens.issuer is required');
    expect(build({ issuer: 'http://issuer.test', jwksUrl: 'file:///etc/passwd' })).toThrow(
      'remoteTokens.jwksUrl: file: is not http or https.',
    );
    expect(build({ issuer: 'http://issuer.test', algorithms: ['HS256'] })).toThrow(LiftConfigError);
    expect(build({ issuer: 'http://issuer.test' }, 'production')).toThrow(
      'remoteTokens.jwksUrl must be https in production',
    );
  });
});
