import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLift } from '../../src/app/create-lift.ts';
import { runLiftInProcess } from '../support/lift-in-process.ts';
import { tempDataDir } from '../support/lift-process.ts';

/** Black-box: `lift access check` against a data directory, with its exit codes. */
vi.setConfig({ testTimeout: 180_000 });

const dataDir = tempDataDir();
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const env = { LIFT_DATA_DIR: dataDir, LIFT_LOG__LEVEL: 'error' };

async function createUser(email: string, admin: boolean): Promise<string> {
  const result = await runLiftInProcess(
    ['users', 'create', '--email', email, ...(admin ? ['--admin'] : [])],
    env,
  );
  expect(result.code, result.stderr).toBe(0);
  const id = /\(([A-Za-z0-9_-]+)\)/.exec(result.stdout)?.[1];
  expect(id, result.stdout).toBeDefined();
  return id!;
}

/** A tenant `acme` owned by `ownerId`, made in this process on the same database. */
async function createTenant(ownerId: string): Promise<string> {
  // Without tokens: the signing keys are sealed with the CLI's development secret, not this app's.
  const app = createLift({
    env: 'test',
    dataDir,
    log: { level: 'silent' },
    mail: { url: 'memory:' },
    tokens: { enabled: false },
  });
  try {
    await app.start({ bootstrapAdmin: false });
    const { tenant } = await app.access.createTenant({ name: 'Acme', slug: 'acme', createdBy: ownerId });
    return tenant.id;
  } finally {
    await app.close();
  }
}

describe('lift access check', () => {
  it('prints allowed with the chain (exit 0), denied (exit 1), and refuses bad input (exit 2)', async () => {
    const rootId = await createUser('root@example.com', true);
    const ownerId = await createUser('owner@example.com', false);
    const tenantId = await createTenant(ownerId);

    const root = await runLiftInProcess(
      ['access', 'check', '--user', 'root@example.com', '--permission', 'users:read'],
      env,
    );
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toContain(`allowed: user:${rootId} holds users:read globally`);
    expect(root.stdout).toContain(`grant: user:${rootId} as admin (system) globally`);
    expect(root.stdout).toContain('permission: *');

    const owner = await runLiftInProcess(
      // `--user=ID`: a random id may begin with '-', which parseArgs would take for an option.
      ['access', 'check', `--user=${ownerId}`, '--permission', 'members:invite', '--tenant', 'acme'],
      env,
    );
    expect(owner.code, owner.stderr).toBe(0);
    expect(owner.stdout.trim().split('\n')).toEqual([
      `allowed: user:${ownerId} holds members:invite in tenant acme (${tenantId})`,
      `  grant: user:${ownerId} as owner in tenant acme`,
      '  role: owner',
      '  permission: *',
    ]);

    // The refusals read the same database and change nothing: run them side by side.
    const deniedArgs = [
      ['--user', 'owner@example.com', '--permission', 'users:read', `--tenant=${tenantId}`],
      ['--user', 'owner@example.com', '--permission', 'members:invite'],
    ];
    const bad: Array<[string[], RegExp]> = [
      [['--user', 'owner@example.com'], /--permission is required/],
      [['--permission', 'users:read'], /--user is required/],
      [['--user', 'owner@example.com', '--permission', 'Users:Read'], /Users:Read/],
      [['--user', 'nobody@example.com', '--permission', 'users:read'], /--user nobody@example.com/],
      [['--user', 'owner@example.com', '--permission', 'users:read', '--tenant', 'nope'], /--tenant nope/],
      [['--user', 'owner@example.com', '--permission', 'users:read', '--bogus'], /bogus/],
    ];
    const [denials, badResults, wrongAction] = await Promise.all([
      Promise.all(deniedArgs.map((args) => runLiftInProcess(['access', 'check', ...args], env))),
      Promise.all(bad.map(([args]) => runLiftInProcess(['access', 'check', ...args], env))),
      runLiftInProcess(['access', 'grant'], env),
    ]);
    for (const denied of denials) {
      expect(denied.code, denied.stderr).toBe(1);
      expect(denied.stdout).toMatch(/^denied: user:\S+ does not hold /);
    }
    bad.forEach(([args, message], index) => {
      const result = badResults[index]!;
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/^lift: /);
      expect(result.stderr).toMatch(message);
    });
    expect(wrongAction.code).toBe(2);

    const help = await runLiftInProcess(['access', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/lift access check --user/);
  });
});
