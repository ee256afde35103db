import { afterAll, describe, expect, it, vi } from 'vitest';
import { runLiftInProcess, startLiftInProcess } from '../support/lift-in-process.ts';
import { type LiftServer, tempDataDir } from '../support/lift-process.ts';

/** Black-box: `lift keys rotate` against a data directory, then a server that publishes every verifying key. */
vi.setConfig({ testTimeout: 90_000 });

const running: LiftServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

describe('lift keys rotate', () => {
  it('makes a new key active each time; the server publishes the active key and the ones still verifying', async () => {
    const dataDir = tempDataDir();
    const kids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await runLiftInProcess(['keys', 'rotate'], { LIFT_DATA_DIR: dataDir });
      expect(result.code, result.stderr).toBe(0);
      const kid = /New active signing key: ([A-Za-z0-9_-]+)\./.exec(result.stdout)?.[1];
      expect(kid, result.stdout).toBeDefined();
      kids.push(kid!);
    }
    expect(new Set(kids).size).toBe(2);

    const lift = await startLiftInProcess([], { LIFT_DATA_DIR: dataDir });
    running.push(lift);
    const jwks = (await (await fetch(`${lift.url}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string; kty: string; crv: string; d?: string }>;
    };
    // The key made at the first start, then the two rotations: all within a token lifetime, so all verify.
    expect(jwks.keys).toHaveLength(3);
    expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining(kids));
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
      expect(key.d).toBeUndefined();
    }
    const help = await runLiftInProcess(['keys', '--help']);
    expect(help.stdout).toMatch(/lift keys rotate/);
  });
});
