import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/lift-process.ts';
import { importProbe, parseImportCost } from './import-probe.ts';

/**
 * Importing the root export loads none of the heavy dependencies: argon2, zxcvbn, the PostgreSQL and Redis
 * clients, SQLite and the QR encoder load on first use (core/lazy-require.ts). Checked in a child process on the
 * sources (through tsx); the package test measures the build's time and memory in a user's project.
 */
const exec = promisify(execFile);

describe('importing @lift/server', () => {
  it('loads no heavy dependency until it is used', async () => {
    const entry = path.join(repoRoot, 'packages/server/src/index.ts');
    const { stdout } = await exec(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', importProbe(entry)],
      { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(parseImportCost(stdout).loaded).toEqual([]);
  });
});
