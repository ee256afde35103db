/**
 * Every process a benchmark starts goes through `startChild`, so it can be stopped at the end of its step, and
 * every survivor is killed when the benchmark ends, fails or is interrupted. Children run in their own process
 * group (`detached`) so a server that spawns helpers is stopped together with them.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const STDOUT_TAIL_CHARS = 64_000;
const STDERR_TAIL_CHARS = 8_000;
const STOP_GRACE_MS = 3_000;

export interface ChildOptions {
  /** Shown in errors and notes. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** `pipe` (default) captures stdout/stderr; `inherit` passes them through to the terminal. */
  output?: 'pipe' | 'inherit';
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** The last 64 kB of stdout (`pipe` mode only). */
  stdout(): string;
  /** The last few kilobytes of stderr (`pipe` mode only). */
  stderrTail(): string;
  /** SIGTERM to the process group, SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
}

const running = new Set<Child>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

export function startChild(options: ChildOptions): Child {
  const output = options.output ?? 'pipe';
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: output === 'pipe' ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'inherit', 'inherit'],
  });
  let stdout = '';
  let stderr = '';
  // Always drain the pipes: a child blocked on a full stdout pipe would stall the benchmark.
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = (stdout + chunk).slice(-STDOUT_TAIL_CHARS);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.on('error', (error) => {
      done = true;
      stderr += `\n${error.message}`;
      resolve('spawn-error');
    });
  });
  const handle: Child = {
    name: options.name,
    process: child,
    exited,
    hasExited: () => done,
    stdout: () => stdout,
    stderrTail: () => stderr,
    async stop() {
      if (!done) {
        signalGroup(child, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      running.delete(handle);
    },
  };
  running.add(handle);
  void exited.then(() => {
    child.stdin?.destroy();
  });
  return handle;
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/**
 * Stops all children on SIGINT/SIGTERM, and as a last resort SIGKILLs any still running when the process exits
 * (for example after an uncaught error).
 */
export function stopChildrenOnExit(): void {
  const onSignal = (signal: NodeJS.Signals, exitCode: number) => {
    process.stderr.write(`\n${signal}: stopping ${running.size} child process(es)\n`);
    void stopAllChildren().finally(() => process.exit(exitCode));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    for (const child of running) {
      if (!child.hasExited()) signalGroup(child.process, 'SIGKILL');
    }
  });
}
