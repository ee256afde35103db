import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCESS_ERRORS } from '../src/access/error-codes.ts';
import { accessModule } from '../src/access/module.ts';
import { createLift, type LiftApp, type LiftOptions } from '../src/app/create-lift.ts';
import { ALWAYS_PRESENT_ERRORS, LIFT_ERRORS } from '../src/app/lift-errors.ts';
import type { LiftConfigInput } from '../src/core/config/schema.ts';
import type { LiftErrorCode } from '../src/core/error-codes.ts';
import { ForbiddenError, LiftConfigError, LiftError } from '../src/core/errors.ts';
import { IDENTITY_ERRORS } from '../src/identity/error-codes.ts';
import { identityModule } from '../src/identity/module.ts';
import { LIMITS_ERRORS } from '../src/limits/error-codes.ts';
import { REALTIME_ERRORS } from '../src/realtime/index.ts';
import { SESSIONS_ERRORS } from '../src/sessions/error-codes.ts';
import { sessionsModule } from '../src/sessions/module.ts';
import { TOKENS_ERRORS } from '../src/tokens/error-codes.ts';
import { tokensModule } from '../src/tokens/module.ts';
import { REMOTE_TOKENS_ERRORS } from '../src/tokens/remote/error-codes.ts';
import { remoteTokensModule } from '../src/tokens/remote/module.ts';
import { FAST_PASSWORDS } from './support/auth-app.ts';

/**
 * Error codes are a closed set: each module declares its own, an app's catalogue (`app.errors`) is the union of
 * the codes every app has and those of its modules and its own, and an app's own code cannot take `LIFT_`.
 * The `@ts-expect-error` lines are half of the proof: `tsc` (in `npm test`) fails if they stop being errors.
 */

const apps: LiftApp[] = [];
const dirs: string[] = [];

function appWith(options: LiftOptions, config: LiftConfigInput = {}): LiftApp {
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-error-codes-'));
  dirs.push(dataDir);
  const app = createLift(
    {
      env: 'test',
      dataDir,
      log: { level: 'silent' },
      mail: { url: 'memory:' },
      ...config,
    },
    options,
  );
  apps.push(app);
  return app;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const codesOf = (rows: readonly { code: string; status: number }[]) =>
  rows.map((row) => `${row.code} ${row.status}`).sort();

describe('error codes declared by modules', () => {
  it('each module carries its own list, and the union holds a row two modules share once', () => {
    expect(sessionsModule().errors).toBe(SESSIONS_ERRORS);
    expect(identityModule().errors).toBe(IDENTITY_ERRORS);
    expect(tokensModule().errors).toBe(TOKENS_ERRORS);
    expect(remoteTokensModule().errors).toBe(REMOTE_TOKENS_ERRORS);
    expect(accessModule().errors).toBe(ACCESS_ERRORS);
    const rows = codesOf(LIFT_ERRORS);
    expect(rows.filter((row) => row === 'LIFT_TOKEN_INVALID 401')).toHaveLength(1);
    expect(rows).toEqual([...new Set(rows)]);
  });

  it("an app's catalogue is the always-present codes plus its modules' and its own", async () => {
    const defaults = appWith(
      {},
      { passwords: FAST_PASSWORDS, auth: { publicUrl: 'http://lift.test' }, tokens: { enabled: true } },
    );
    const defaultRows = [
      ...SESSIONS_ERRORS,
      ...LIMITS_ERRORS,
      ...IDENTITY_ERRORS,
      ...TOKENS_ERRORS,
      ...ACCESS_ERRORS,
    ];
    expect(codesOf(defaults.errors)).toEqual([
      ...new Set(codesOf([...ALWAYS_PRESENT_ERRORS, ...defaultRows])),
    ]);
    // The union adds the opt-in modules' codes: remoteTokens's, signing's and realtime's.
    expect(codesOf(LIFT_ERRORS)).toEqual(
      [
        ...codesOf(defaults.errors),
        'LIFT_JWKS_UNAVAILABLE 503',
        'LIFT_SIGNATURE_INVALID 401',
        ...codesOf(REALTIME_ERRORS),
      ].sort(),
    );

    // Building an app fetches nothing, so the issuer need not exist.
    const resourceServer = appWith(
      { modules: [remoteTokensModule()] },
      { remoteTokens: { issuer: 'http://issuer.test', audience: 'http://api.test' } },
    );
    expect(codesOf(resourceServer.errors)).toEqual(
      codesOf([...ALWAYS_PRESENT_ERRORS, ...REMOTE_TOKENS_ERRORS]),
    );

    const bare = appWith({ modules: [sessionsModule()] });
    expect(codesOf(bare.errors)).toEqual(codesOf([...ALWAYS_PRESENT_ERRORS, ...SESSIONS_ERRORS]));
    expect(bare.errors.map((row) => row.code)).not.toContain('LIFT_PERMISSION_DENIED');

    const own = {
      code: 'NOTES_LOCKED',
      status: 423,
      meaning: 'The note is being edited by someone else.',
    } as const;
    const withOwn = appWith({ modules: [], errors: [own] });
    expect(withOwn.errors).toContainEqual(own);
    expect(withOwn.errors).toHaveLength(ALWAYS_PRESENT_ERRORS.length + 1);
  });
});

describe("an app's own error codes", () => {
  it('refuses the LIFT_ prefix at the type and at the boot, naming the code', () => {
    const boot = () =>
      appWith({
        // @ts-expect-error the LIFT_ prefix is reserved for Lift's own codes.
        errors: [{ code: 'LIFT_NOTES_LOCKED', status: 423, meaning: 'Locked.' }],
      });
    expect(boot).toThrow(LiftConfigError);
    expect(boot).toThrow(/LIFT_NOTES_LOCKED takes the LIFT_ prefix, which is reserved for Lift's own codes/);
  });

  it('refuses a code that is not UPPER_SNAKE, and one declared twice', () => {
    // @ts-expect-error an app code is UPPER_SNAKE.
    expect(() => appWith({ errors: [{ code: 'notes-locked', status: 423, meaning: 'Locked.' }] })).toThrow(
      /"notes-locked" is not UPPER_SNAKE/,
    );
    const twice = { code: 'NOTES_LOCKED', status: 423, meaning: 'Locked.' } as const;
    expect(() => appWith({ errors: [twice, twice] })).toThrow(/NOTES_LOCKED \(423\) is declared twice/);
  });

  it('lets an app raise its own codes and every Lift code, but not an unknown LIFT_ code', () => {
    expect(new LiftError('NOTES_LOCKED', 423, 'Locked').code).toBe('NOTES_LOCKED');
    expect(new ForbiddenError('Not yours.', 'NOTES_NOT_YOURS').code).toBe('NOTES_NOT_YOURS');
    const lift: LiftErrorCode = 'LIFT_PERMISSION_DENIED';
    expect(new ForbiddenError('No.', lift).status).toBe(403);
    // @ts-expect-error a misspelt Lift code is not in the union.
    expect(new LiftError('LIFT_PERMISION_DENIED', 403, 'Forbidden').status).toBe(403);
    // @ts-expect-error nor is a Lift-looking code an app made up.
    expect(new ForbiddenError('No.', 'LIFT_NOTES_LOCKED').status).toBe(403);
  });
});
