import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accessModule } from '../../src/access/module.ts';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { LiftConfigError } from '../../src/core/errors.ts';
import type { LiftModule } from '../../src/core/module.ts';
import { identityModule } from '../../src/identity/module.ts';
import { limitsModule } from '../../src/limits/index.ts';
import type { MemoryMailTransport } from '../../src/mail/index.ts';
import { sessionsModule } from '../../src/sessions/module.ts';
import { tokensModule } from '../../src/tokens/module.ts';
import { FAST_PASSWORDS } from '../support/auth-app.ts';

/**
 * `createLift(config, { modules })` with less than the default list: what is left out is absent (no routes,
 * no resolver, a clear error from `app.module()`), what is kept works, and a list that cannot be composed
 * fails at `createLift` naming the problem.
 */

const apps: LiftApp[] = [];
const dirs: string[] = [];

function appWith(modules: LiftModule[] | undefined): LiftApp {
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-modules-'));
  dirs.push(dataDir);
  const app = createLift(
    {
      env: 'test',
      dataDir,
      log: { level: 'silent' },
      mail: { url: 'memory:' },
      // A section of a module the app leaves out is an unknown key: set it only when identity is in.
      ...(modules === undefined || modules.some((m) => m.name === 'identity')
        ? { passwords: FAST_PASSWORDS }
        : {}),
      auth: { publicUrl: 'http://lift.test' },
    },
    modules === undefined ? {} : { modules },
  );
  apps.push(app);
  return app;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function signUpAndLogin(app: LiftApp) {
  const email = 'ada@example.com';
  const password = 'correct horse battery staple';
  const headers = { 'content-type': 'application/json', origin: 'http://lift.test' };
  const signup = await app.fetch(
    new Request('http://lift.test/auth/signup', {
      method: 'POST',
      headers,
      body: JSON.stringify({ email, password }),
    }),
  );
  expect(signup.status).toBe(202);
  await app.identity.idle();
  const mail = app.mail as MemoryMailTransport;
  const link = mail.messages.at(-1)?.links[0];
  expect(link).toBeDefined();
  const token = new URL(link!).searchParams.get('token');
  const verify = await app.fetch(
    new Request('http://lift.test/auth/email/verify', {
      method: 'POST',
      headers,
      body: JSON.stringify({ token }),
    }),
  );
  expect(verify.status).toBeLessThan(300);
  return app.fetch(
    new Request('http://lift.test/auth/login', {
      method: 'POST',
      headers,
      body: JSON.stringify({ email, password }),
    }),
  );
}

describe('createLift with a subset of modules', () => {
  it('lists the default modules in start order', () => {
    expect(appWith(undefined).modules).toEqual([
      'telemetry',
      'sessions',
      'limits',
      'tokens',
      'identity',
      'access',
    ]);
  });

  it('serves sessions and identity without tokens and access', async () => {
    const app = appWith([identityModule(), limitsModule(), sessionsModule()]);
    expect(app.modules).toEqual(['telemetry', 'sessions', 'limits', 'identity']);
    await app.start();
    const login = await signUpAndLogin(app);
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toContain('lift_session');
    // No tokens module: a token login is refused with its code, and its endpoints do not exist.
    const forTokens = await app.fetch(
      new Request('http://lift.test/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://lift.test' },
        body: JSON.stringify({
          email: 'ada@example.com',
          password: 'correct horse battery staple',
          response: 'tokens',
        }),
      }),
    );
    expect(forTokens.status).toBe(400);
    expect(((await forTokens.json()) as { code: string }).code).toBe('LIFT_TOKENS_DISABLED');
    expect((await app.fetch(new Request('http://lift.test/.well-known/jwks.json'))).status).toBe(404);
    // No access module: admin endpoints are not mounted (not merely refused), and the app says why.
    expect((await app.fetch(new Request('http://lift.test/admin/api/users'))).status).toBe(404);
    expect(() => app.access).toThrow(LiftConfigError);
    expect(() => app.tokens).toThrow('This app has no tokens module (the module list leaves it out).');
    expect(app.authenticator.names).toEqual(['session']);
  });

  it('serves a plain API with no modules at all', async () => {
    const app = appWith([]);
    app.get('/hello', () => ({ hello: 'world' }));
    await app.start();
    expect(await (await app.fetch(new Request('http://lift.test/hello'))).json()).toEqual({ hello: 'world' });
    expect((await app.fetch(new Request('http://lift.test/auth/login', { method: 'POST' }))).status).toBe(
      404,
    );
    expect((await app.fetch(new Request('http://lift.test/health/ready'))).status).toBe(200);
    expect(app.authenticator.names).toEqual([]);
  });

  it('fails at createLift when a needed module is missing, naming it', () => {
    expect(() => appWith([accessModule(), sessionsModule()])).toThrow(
      'module "access" needs "identity", which is not in the app',
    );
  });

  it('fails at createLift when a module is listed twice', () => {
    expect(() => appWith([sessionsModule(), sessionsModule()])).toThrow('module "sessions" is listed twice');
  });

  it('refuses a capability offered by two modules', () => {
    const impostor: LiftModule = {
      name: 'impostor',
      build: () => ({ face: {}, offers: { globalPermission: () => async () => {} } }),
    };
    expect(() =>
      appWith([sessionsModule(), limitsModule(), identityModule(), accessModule(), impostor]),
    ).toThrow('The capability "globalPermission" is offered by both module "access" and module "impostor".');
  });

  it('starts every module after the ones it needs, whatever order the list is given in', () => {
    const app = appWith([tokensModule(), accessModule(), identityModule(), limitsModule(), sessionsModule()]);
    // Ties keep the listed order: tokens was listed before limits.
    expect(app.modules).toEqual(['telemetry', 'sessions', 'tokens', 'limits', 'identity', 'access']);
    expect(app.authenticator.names).toEqual(['session', 'bearer']);
  });
});
