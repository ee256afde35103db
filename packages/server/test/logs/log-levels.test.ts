import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLift } from '../../src/app/create-lift.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { LiftConfigError } from '../../src/core/errors.ts';
import { logLevelsOf } from '../../src/core/log-levels.ts';
import { type CapturedLogger, captureLogger } from '../../src/http/test-app.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, startAuthApp } from '../support/auth-app.ts';

/**
 * Issue 13, "Logs": the log level of each module changes at run time through the admin API, behind the global
 * `logs:read` / `logs:write` permissions, and every change is audited (a `log.level_changed` event and a warn
 * line). Real HTTP handling through the app, real log output read from the logger's destination.
 */

let auth: AuthApp;
let log: CapturedLogger;
let admin: Browser;
let adminId: string;
let member: Browser;

const LEVELS = '/admin/api/log-levels';

beforeAll(async () => {
  log = captureLogger();
  auth = await startAuthApp({}, new ManualClock(), { logger: log.logger });
  admin = new Browser(auth.app, { ip: '192.0.2.10' });
  adminId = (await signUpVerified(admin, 'log-admin@example.com')).userId;
  await auth.app.access.grantSystemRole(adminId);
  member = new Browser(auth.app, { ip: '192.0.2.11' });
  await signUpVerified(member, 'log-member@example.com');
});

afterAll(async () => {
  await auth?.close();
});

function setLevel(browser: Browser, module: string, level: unknown): Promise<Response> {
  return browser.request(`${LEVELS}/${module}`, { method: 'PUT', json: { level } });
}

/** A refused login: identity logs it at debug (`login refused`) with its reason. */
async function refusedLogin(): Promise<void> {
  const response = await new Browser(auth.app, { ip: '192.0.2.12' }).post('/auth/login', {
    email: 'nobody@example.com',
    password: 'not the password at all',
  });
  expect(response.status).toBe(401);
}

function linesWith(msg: string): Record<string, unknown>[] {
  return log.lines().filter((line) => line.msg === msg);
}

describe('log levels at run time', () => {
  it('lists http and every module of the app with its level', async () => {
    const response = await admin.request(LEVELS);
    expect(response.status, await response.clone().text()).toBe(200);
    const { loggers } = (await response.json()) as { loggers: Array<{ name: string; level: string }> };
    expect(loggers.map((entry) => entry.name)).toEqual(
      ['http', ...auth.app.modules].sort((a, b) => a.localeCompare(b)),
    );
    expect(new Set(loggers.map((entry) => entry.level))).toEqual(new Set(['info']));
  });

  it('turns identity to debug: its debug lines appear, audited by an event and a warn line', async () => {
    await refusedLogin();
    expect(linesWith('login refused')).toEqual([]);

    const response = await setLevel(admin, 'identity', 'debug');
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ name: 'identity', level: 'debug', previous: 'info' });

    await refusedLogin();
    const [debugLine] = linesWith('login refused');
    expect(debugLine).toMatchObject({ level: 'debug', module: 'identity', reason: 'unknown_email' });
    // Other loggers stay where they were.
    expect(logLevelsOf(auth.app.log).level('sessions')).toBe('info');
    expect(logLevelsOf(auth.app.log).level('http')).toBe('info');

    const event = auth.events.find((candidate) => candidate.type === 'log.level_changed');
    expect(event).toMatchObject({
      actor: adminId,
      data: { module: 'identity', from: 'info', to: 'debug' },
      ip: '192.0.2.10',
    });
    expect(linesWith('log level changed')).toEqual([
      expect.objectContaining({
        level: 'warn',
        module: 'identity',
        from: 'info',
        to: 'debug',
        actor: adminId,
      }),
    ]);

    expect((await setLevel(admin, 'identity', 'info')).status).toBe(200);
    await refusedLogin();
    expect(linesWith('login refused')).toHaveLength(1);
  });

  it('writes the audit line even when the change silences the app logger', async () => {
    expect((await setLevel(admin, 'http', 'error')).status).toBe(200);
    const before = linesWith('request completed').length;
    expect((await admin.request(LEVELS)).status).toBe(200);
    // The access log is http's: a 200 is an info line, no longer written.
    expect(linesWith('request completed')).toHaveLength(before);
    // Each module keeps a level of its own, even one never changed.
    expect(logLevelsOf(auth.app.log).level('sessions')).toBe('info');
    expect(linesWith('log level changed').at(-1)).toMatchObject({ module: 'http', to: 'error' });
    expect((await setLevel(admin, 'http', 'info')).status).toBe(200);
    expect(linesWith('log level changed').at(-1)).toMatchObject({
      module: 'http',
      from: 'error',
      to: 'info',
    });
  });

  it('answers an unknown logger with 404 LIFT_LOG_MODULE_UNKNOWN and a bad level with 400', async () => {
    const unknown = await setLevel(admin, 'nosuchmodule', 'debug');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('LIFT_LOG_MODULE_UNKNOWN');

    for (const level of ['verbose', 'DEBUG', 30, null]) {
      const bad = await setLevel(admin, 'identity', level);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { code: string }).code).toBe('LIFT_VALIDATION_FAILED');
    }
    expect(logLevelsOf(auth.app.log).level('identity')).toBe('info');
  });

  it('refuses anonymous callers (401) and users without the global permission (403)', async () => {
    const anonymous = new Browser(auth.app, { ip: '192.0.2.13' });
    expect((await anonymous.request(LEVELS)).status).toBe(401);
    expect((await setLevel(anonymous, 'identity', 'debug')).status).toBe(401);
    const read = await member.request(LEVELS);
    expect(read.status).toBe(403);
    expect(((await read.json()) as { code: string }).code).toBe('LIFT_PERMISSION_DENIED');
    expect((await setLevel(member, 'identity', 'debug')).status).toBe(403);
    expect(logLevelsOf(auth.app.log).level('identity')).toBe('info');
  });
});

describe('log.modules', () => {
  const base = {
    env: 'test' as const,
    storage: { url: 'sqlite::memory:', kv: 'memory:' },
    mail: { url: 'memory:' },
  };

  it('sets a module’s level at startup, the rest at log.level', async () => {
    const app = createLift({ ...base, log: { level: 'warn', modules: ['identity=debug', 'http=error'] } });
    try {
      expect(logLevelsOf(app.log).level('identity')).toBe('debug');
      expect(logLevelsOf(app.log).level('http')).toBe('error');
      expect(logLevelsOf(app.log).level('sessions')).toBe('warn');
    } finally {
      await app.close();
    }
  });

  it('refuses a module the app does not have, and an entry that is not module=level', () => {
    expect(() => createLift({ ...base, log: { modules: ['realtime=debug'] } })).toThrow(LiftConfigError);
    expect(() => createLift({ ...base, log: { modules: ['realtime=debug'] } })).toThrow(
      /known: access, http/,
    );
    expect(() => createLift({ ...base, log: { modules: ['identity:debug'] } })).toThrow(/module=level/);
    expect(() => createLift({ ...base, log: { modules: ['identity=loud'] } })).toThrow(/module=level/);
    expect(() => createLift({ ...base, log: { modules: ['identity=debug', 'identity=info'] } })).toThrow(
      /twice/,
    );
  });
});
