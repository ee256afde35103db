import { spawn } from 'node:child_process';
import { cleanEnv, type LiftProcess, liftBin, repoRoot } from '../support/lift-process.ts';

/**
 * `lift serve` again where a stopped one ran: the same port (a page reconnects to the URL it knows) and the same
 * data directory (its SQLite sessions and development secret, so the page's session cookie still holds).
 * `startLift` always picks a fresh port.
 */
export async function serveAgain(
  previous: LiftProcess,
  args: string[],
  env: Record<string, string> = {},
): Promise<LiftProcess> {
  const port = new URL(previous.url).port;
  const child = spawn(process.execPath, [liftBin, 'serve', '--port', port, ...args], {
    cwd: repoRoot,
    env: cleanEnv({ LIFT_LOG__LEVEL: 'info', ...env, LIFT_DATA_DIR: previous.dataDir }),
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const deadline = Date.now() + 20_000;
  while (!out.includes(`Lift listening on ${previous.url}`)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`lift serve did not start again (exit ${child.exitCode}):\n${out}\n${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    url: previous.url,
    dataDir: previous.dataDir,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
