import type { CliIo } from '../../src/cli/io.ts';
import { run } from '../../src/cli/main.ts';
import { cleanEnv, freePort, type LiftServer, repoRoot, tempDataDir } from './lift-process.ts';

/**
 * The `lift` command run in the test's own process (`run` of src/cli/main.ts) with the environment, directory
 * and output streams a child process would get from lift-process.ts: the same black-box view (exit code,
 * stdout, stderr, HTTP) without starting Node and loading the sources again for each command. What an app
 * module (`--app`) logs goes to the test process's stdout, not to `stdout()`; tests reading the log of such an
 * app, or sending signals, use `runLift`/`startLift`.
 */

interface Captured {
  io: CliIo;
  stdout(): string;
  stderr(): string;
}

function capture(env: Record<string, string>, cwd: string): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      env: cleanEnv(env),
      cwd,
      stdout: {
        write: (text: string) => {
          out += text;
        },
      },
      stderr: {
        write: (text: string) => {
          err += text;
        },
      },
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs `lift <args>` to completion, like `runLift`; a `serve` that starts instead of exiting is an error. */
export async function runLiftInProcess(
  args: string[],
  env: Record<string, string> = {},
  cwd = repoRoot,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = capture(env, cwd);
  const result = await run(args, output.io);
  if (typeof result !== 'number') {
    if (result !== 'watching') await result.close();
    // A process would have kept running, and the test waiting for it would have timed out.
    throw new Error(
      `lift ${args.join(' ')} kept running instead of exiting:\n${output.stdout()}\n${output.stderr()}`,
    );
  }
  return { code: result, stdout: output.stdout(), stderr: output.stderr() };
}

/** Starts `lift serve <args>` on a free port, like `startLift`; `stop()` drains it as SIGTERM would. */
export async function startLiftInProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<LiftServer> {
  const port = await freePort();
  const dataDir = env.LIFT_DATA_DIR ?? tempDataDir();
  const output = capture({ LIFT_LOG__LEVEL: 'info', ...env, LIFT_DATA_DIR: dataDir }, repoRoot);
  const result = await run(['serve', '--port', String(port), ...args], output.io);
  if (typeof result === 'number' || result === 'watching') {
    throw new Error(`lift serve did not start (exit ${result}):\n${output.stdout()}\n${output.stderr()}`);
  }
  const url = `http://127.0.0.1:${port}`;
  if (!output.stdout().includes(`Lift listening on ${url}`)) {
    await result.close();
    throw new Error(`lift serve does not say it listens on ${url}:\n${output.stdout()}`);
  }
  return {
    url,
    dataDir,
    stdout: output.stdout,
    stderr: output.stderr,
    stop: () => result.close('SIGTERM'),
  };
}
