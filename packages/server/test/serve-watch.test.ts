import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type LiftProcess, repoRoot, startLift } from './support/lift-process.ts';

/**
 * Black-box: `lift serve --watch` in a real process, an app file in a temporary directory edited under it.
 * The watcher restarts the app on a change, keeps the data directory, and survives a syntax error.
 */
vi.setConfig({ testTimeout: 90_000 });

const running: LiftProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

const liftIndex = pathToFileURL(path.join(repoRoot, 'packages/server/src/index.ts')).href;

function appSource(answer: number): string {
  return `import { createLift, type LiftConfig } from '${liftIndex}';

export default function build(config: LiftConfig) {
  const app = createLift(config);
  app.get('/answer', () => ({ answer: ${answer} }));
  return app;
}
`;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answerIs(lift: LiftProcess, expected: number): Promise<true | undefined> {
  const response = await fetch(`${lift.url}/answer`);
  const body = (await response.json()) as { answer: number };
  return body.answer === expected ? true : undefined;
}

describe('lift serve --watch', () => {
  it('restarts on a change, waits out a syntax error, keeps the data, exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lift-watch-'));
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const appFile = path.join(dir, 'app.ts');
    writeFileSync(appFile, appSource(1));
    const lift = await startLift(['--watch', '--app', appFile]);
    running.push(lift);
    expect(await answerIs(lift, 1)).toBe(true);
    const secret = readFileSync(path.join(lift.dataDir, 'secret'), 'utf8');

    writeFileSync(appFile, appSource(2));
    await until('the new answer', () => answerIs(lift, 2));
    expect(lift.stdout()).toMatch(/restarting: .*app\.ts changed/);
    // Same data directory: the development secret made on the first start is the one still used.
    expect(readFileSync(path.join(lift.dataDir, 'secret'), 'utf8')).toBe(secret);

    writeFileSync(appFile, `${appSource(3)}\nexport const broken = (;\n`);
    await until('the syntax error', async () =>
      /cannot load .*app\.ts.*\n.*waiting for a change/.test(lift.stderr()) ? true : undefined,
    );
    expect(lift.stderr()).toMatch(/app\.ts:\d+:\d+/); // where the error is, not only that there is one
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(lift.child.exitCode).toBeNull(); // the watcher lives on, and does not start the app again and again
    expect(lift.stderr().match(/cannot load/g)).toHaveLength(1);

    writeFileSync(appFile, appSource(4));
    await until('the fixed app', () => answerIs(lift, 4));

    lift.child.kill('SIGTERM');
    expect(await lift.exited).toBe(0);
    await expect(fetch(`${lift.url}/answer`)).rejects.toThrow();
  });
});
