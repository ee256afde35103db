import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { liftModules } from '../../src/app/default-modules.ts';
import { configCatalog } from '../../src/core/config/catalog.ts';
import { durationMs } from '../../src/core/config/config-fields.ts';
import { loadConfig } from '../../src/core/config/load.ts';
import { LiftConfigError } from '../../src/core/errors.ts';
import type { LiftModule } from '../../src/core/module.ts';
import { identityModule } from '../../src/identity/module.ts';
import { limitsModule } from '../../src/limits/index.ts';
import { sessionsModule } from '../../src/sessions/module.ts';
import { tokensModule } from '../../src/tokens/module.ts';

/**
 * Config sections owned by modules: an app's config has core's sections and those of its modules, no others;
 * a key of a module the app leaves out is an error naming where it was set.
 */

const apps: LiftApp[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lift-module-config-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function build(config: Parameters<typeof createLift>[0], modules?: LiftModule[]): LiftApp {
  const app = createLift(
    { env: 'test', dataDir: tempDir(), log: { level: 'silent' }, ...config },
    modules === undefined ? {} : { modules },
  );
  apps.push(app);
  return app;
}

function configError(run: () => unknown): LiftConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LiftConfigError);
    return error as LiftConfigError;
  }
  throw new Error('expected a LiftConfigError');
}

describe('config sections owned by modules', () => {
  it('gives an app without tokens no tokens section', () => {
    const app = build({}, [sessionsModule(), limitsModule(), identityModule()]);
    expect(Object.keys(app.config)).not.toContain('tokens');
    expect(Object.keys(app.config)).not.toContain('access');
    expect(app.config.sessions.idleTimeoutMs).toBe(86_400_000);
    expect(app.config.lockout.threshold).toBe(5);
  });

  it('gives an app with the default modules every section, defaults filled in', () => {
    const app = build({ tokens: { accessTokenTtlMs: 60_000 } });
    expect(app.config.tokens.accessTokenTtlMs).toBe(60_000);
    expect(app.config.tokens.algorithm).toBe('EdDSA');
    expect(app.config.access.maxPendingInvitations).toBe(200);
    expect(app.config.signup.mode).toBe('open');
  });

  it('refuses a key of a module the app leaves out, saying no module owns the section', () => {
    const error = configError(() => build({ tokens: { issuer: 'https://id.example' } }, [sessionsModule()]));
    expect(error.message).toContain(
      'tokens from createLift: unknown key (no module of this app owns a config section "tokens"; its modules: sessions)',
    );
  });

  it('names the env variable when a loaded config sets a key of a module the app leaves out', async () => {
    const loaded = await loadConfig({
      cwd: tempDir(),
      env: { LIFT_TOKENS__ISSUER: 'https://id.example', LIFT_SESSIONS__MAX_PER_USER: '3' },
      modules: liftModules(),
    });
    // With every module, the variable is a key like any other.
    expect(loaded.config.tokens.issuer).toBe('https://id.example');
    const error = configError(() => createLift(loaded.config, { modules: [sessionsModule()] }));
    expect(error.message).toContain('tokens.issuer from env LIFT_TOKENS__ISSUER: unknown key');
    // Only what a source set is refused: the defaults of the other left-out sections drop out silently.
    expect(error.extensions?.problems).toHaveLength(1);
  });

  it('keeps what a loaded config set for the modules the app has', async () => {
    const loaded = await loadConfig({
      cwd: tempDir(),
      env: { LIFT_ENV: 'test', LIFT_SESSIONS__MAX_PER_USER: '3', LIFT_LOG__LEVEL: 'silent' },
      modules: liftModules(),
    });
    const app = createLift(loaded.config, { modules: [sessionsModule()] });
    apps.push(app);
    expect(app.config.sessions.maxPerUser).toBe(3);
    expect(Object.keys(app.config)).not.toContain('tokens');
  });

  it('refuses an env variable of a module outside the loaded module list, naming the section', async () => {
    const error = await loadConfig({
      cwd: tempDir(),
      env: { LIFT_TOKENS__ISSUER: 'https://id.example' },
      modules: [sessionsModule(), limitsModule(), identityModule()],
    }).then(
      () => undefined,
      (e: unknown) => e as LiftConfigError,
    );
    expect(error?.message).toContain(
      'env LIFT_TOKENS__ISSUER: unknown variable, not a Lift config key (no module of this app owns a config section "tokens"; its modules: sessions, limits, identity)',
    );
  });

  it('refuses two modules owning the same section, naming both', () => {
    const impostor: LiftModule = {
      name: 'impostor',
      config: { tokens: z.strictObject({ ttlMs: durationMs(1_000, 'A lifetime.') }).prefault({}) },
      build: () => ({ face: {} }),
    };
    expect(() => configCatalog([tokensModule(), impostor])).toThrow(
      'Config section "tokens" of module "impostor" is already declared by module "tokens".',
    );
    const shadow: LiftModule = { ...impostor, config: { http: impostor.config!.tokens! } };
    expect(() => configCatalog([shadow])).toThrow(
      'Config section "http" of module "impostor" is already one of core\'s keys.',
    );
  });

  it('reads a module section from the environment like a core one', async () => {
    const notes: LiftModule = {
      name: 'notes',
      config: {
        notes: z
          .strictObject({ archiveAfterMs: durationMs(60_000, 'When a note is archived.') })
          .prefault({}),
      },
      build: () => ({ face: {} }),
    };
    const loaded = await loadConfig({
      cwd: tempDir(),
      env: { LIFT_NOTES__ARCHIVE_AFTER_MS: '5000' },
      modules: [notes],
    });
    expect(sectionOf(loaded.config, 'notes')).toEqual({ archiveAfterMs: 5000 });
    expect(loaded.sources['notes.archiveAfterMs']).toBe('env');
    await expect(
      loadConfig({ cwd: tempDir(), env: { LIFT_NOTES__ARCHIVE_AFTER_MS: '0' }, modules: [notes] }),
    ).rejects.toThrow('notes.archiveAfterMs from env LIFT_NOTES__ARCHIVE_AFTER_MS: must be >= 1, got 0');
  });
});

describe("the sections of an app's own module, read before the app is loaded (lift serve)", () => {
  const notes: LiftModule = {
    name: 'notes',
    config: {
      notes: z
        .strictObject({
          archiveAfterMs: durationMs(60_000, 'When a note is archived.'),
          pinned: z.coerce.number().int().min(0).default(3).describe('Notes pinned at most.'),
        })
        .prefault({}),
    },
    build: () => ({ face: {} }),
  };

  async function loadedLikeTheCli(env: NodeJS.ProcessEnv, file?: object) {
    const cwd = tempDir();
    if (file) writeFileSync(join(cwd, 'lift.config.json'), JSON.stringify(file));
    return loadConfig({
      cwd,
      env: { LIFT_ENV: 'test', ...env },
      modules: liftModules(),
      deferUnknownSections: true,
    });
  }

  it('keeps them aside, then the app with the module reads them, env over file', async () => {
    const loaded = await loadedLikeTheCli(
      { LIFT_NOTES__ARCHIVE_AFTER_MS: '5000', LIFT_LOG__LEVEL: 'silent' },
      { notes: { archiveAfterMs: 7000, pinned: 1 } },
    );
    expect(Object.keys(loaded.config)).not.toContain('notes');
    const app = createLift(loaded.config, { modules: [notes] });
    apps.push(app);
    expect(sectionOf(app.config, 'notes')).toEqual({ archiveAfterMs: 5000, pinned: 1 });
  });

  it('validates them against the module, naming the variable', async () => {
    const loaded = await loadedLikeTheCli({ LIFT_NOTES__ARCHIVE_AFTER_MS: '0' });
    expect(() => createLift(loaded.config, { modules: [notes] })).toThrow(
      'notes.archiveAfterMs from env LIFT_NOTES__ARCHIVE_AFTER_MS: must be >= 1, got 0',
    );
  });

  it('refuses them in an app without the module, naming the variable and the file', async () => {
    const loaded = await loadedLikeTheCli({ LIFT_NOTES__PINNED: '2' }, { notez: { pinned: 1 } });
    const error = configError(() => createLift(loaded.config));
    expect(error.message).toContain(
      'env LIFT_NOTES__PINNED: unknown variable, not a Lift config key (no module of this app owns a config section "notes"',
    );
    expect(error.message).toContain('notez.pinned from lift.config.json: unknown key');
  });
});

function sectionOf(config: object, section: string): unknown {
  return (config as Record<string, unknown>)[section];
}
