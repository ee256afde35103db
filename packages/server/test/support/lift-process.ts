import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Black-box test support: run the real `lift` command as a child process and talk HTTP to it. Only what needs a
 * process of its own (signals, workers, exit flushes) should: lift-in-process.ts runs the same commands faster.
 */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const liftBin = path.join(repoRoot, 'packages/server/bin/lift.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'lift-test-'));
}

/** A running `lift serve`, in its own process (`startLift`) or in the test's (`startLiftInProcess`). */
export interface LiftServer {
  url: string;
  /** The server's data directory (SQLite file, development secret, mail folder). */
  dataDir: string;
  stdout(): string;
  stderr(): string;
  /** Drains and stops the server; safe to call twice. */
  stop(): Promise<unknown>;
}

export interface LiftProcess extends LiftServer {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(): Promise<number | string>;
}

/** Environment without the caller's LIFT_* settings, so tests are not steered by the developer's shell. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('LIFT_') && key !== 'PORT' && key !== 'NODE_ENV') env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `lift <args>` to completion. */
export async function runLift(
  args: string[],
  env: Record<string, string> = {},
  cwd = repoRoot,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [liftBin, ...args], { cwd, env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) =>
    child.on('exit', (exitCode) => resolve(exitCode)),
  );
  return { code, stdout, stderr };
}

/** Starts `lift serve <args>` on a free port and waits until it prints where it listens. */
export async function startLift(
  args: string[],
  env: Record<string, string> = {},
  /** How long it may take to listen: a cluster (`--workers N`) loads the sources once per worker. */
  startupMs = 20_000,
): Promise<LiftProcess> {
  const port = await freePort();
  const dataDir = env.LIFT_DATA_DIR ?? tempDataDir();
  const child = spawn(process.execPath, [liftBin, 'serve', '--port', String(port), ...args], {
    cwd: repoRoot,
    env: cleanEnv({ LIFT_LOG__LEVEL: 'info', ...env, LIFT_DATA_DIR: dataDir }),
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startupMs;
  while (!out.includes(`Lift listening on ${url}`)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`lift serve did not start (exit ${child.exitCode}):\n${out}\n${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    url,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Waits until the process's stdout matches `pattern` (what it logs right after "listening" may come a few
 * milliseconds later) and returns the match.
 */
export async function waitForOutput(lift: LiftServer, pattern: RegExp, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(lift.stdout());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the output:\n${lift.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
