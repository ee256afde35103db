import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../support/lift-process.ts';

// The repository's own vitest configuration, run on one quick file: the reporter must be wired in, not just exist.
it('a vitest run ends with its slowest files, import and test time apart', () => {
  const vitest = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
  const run = spawnSync(
    process.execPath,
    [vitest, 'run', 'packages/server/test/suite/coverage-table.test.ts'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    },
  );
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toMatch(
    /Slowest 1 of 1 test files\n\s+1\.\s+\d+\.\d\ds {2}\(import \d+\.\d\ds, tests \d+\.\d\ds\) {2}packages\/server\/test\/suite\/coverage-table\.test\.ts/,
  );
});
