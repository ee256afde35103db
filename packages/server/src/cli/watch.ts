import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../core/config/index.ts';
import { watchTrees } from './watch-tree.ts';

/**
 * `lift serve --watch`: the development loop. This process only watches; the app runs in a child process
 * (`lift serve` with the same arguments, less `--watch`) that is stopped and started again when a file of the
 * app's directory tree or the config file changes. The data directory stays as it is, so users, sessions and
 * the development secret survive a restart. A child that fails to load (a syntax error) has printed why; the
 * watcher then waits for the next change instead of starting it again and again.
 */

/** Changes closer together than this are one restart (an editor saving several files, a formatter). */
const DEBOUNCE_MS = 150;
/** How long a child may take to drain and exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

export interface WatchPlan {
  /** Directories whose trees are watched (the app module's directory; the current one without an app). */
  trees: string[];
  /** Single files watched: the config file. */
  files: string[];
  /** Left out: the data directory. */
  ignorePaths: string[];
}

export function watchPlan(loaded: LoadedConfig, cwd = process.cwd()): WatchPlan {
  const { config } = loaded;
  const appDir = config.app === undefined ? cwd : path.dirname(path.resolve(cwd, config.app));
  return {
    trees: [appDir],
    files: loaded.configFile === undefined ? [] : [loaded.configFile],
    ignorePaths: [path.resolve(cwd, config.dataDir)],
  };
}

/** `src/app.ts changed`, `src/a.ts, src/b.ts and 3 more changed`, relative to the current directory. */
export function describeChanges(files: Iterable<string>, cwd = process.cwd()): string {
  const names = [...new Set(files)].map((file) => path.relative(cwd, file) || file);
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more changed` : `${shown} changed`;
}

/** The arguments of the child: the same `lift serve …` without `--watch`. */
function childArgs(serveArgs: string[]): string[] {
  return [
    ...process.execArgv,
    process.argv[1] ?? '',
    'serve',
    ...serveArgs.filter((arg) => arg !== '--watch'),
  ];
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

export async function serveWatching(loaded: LoadedConfig, serveArgs: string[]): Promise<void> {
  const plan = watchPlan(loaded);
  let child: ChildProcess | undefined;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  let stopping = false;

  const start = () => {
    const started = spawn(process.execPath, childArgs(serveArgs), { stdio: 'inherit' });
    child = started;
    started.on('exit', (code, signal) => {
      if (stopping || child !== started || restarting !== undefined) return;
      const how = signal === null ? `exit code ${code}` : signal;
      console.error(`lift: the app stopped (${how}); waiting for a change to restart it`);
    });
  };

  const restart = async () => {
    // A save through a temporary file (sed -i, some editors) reports that file too; name what is still there.
    const present = [...pending].filter((file) => existsSync(file));
    const changed = describeChanges(present.length > 0 ? present : pending);
    pending = new Set();
    console.log(`restarting: ${changed}`);
    if (child !== undefined) await stopChild(child, 'SIGTERM');
    if (!stopping) start();
  };

  const onChange = (file: string) => {
    if (stopping) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(function fire() {
      if (restarting !== undefined) {
        // Changes during a restart: one more restart after it, with everything that changed meanwhile.
        timer = setTimeout(fire, DEBOUNCE_MS);
        return;
      }
      restarting = restart().finally(() => {
        restarting = undefined;
      });
    }, DEBOUNCE_MS);
  };

  const watcher = watchTrees({ ignorePaths: plan.ignorePaths, onChange });
  for (const tree of plan.trees) watcher.addTree(tree);
  for (const file of plan.files) watcher.addFile(file);
  console.log(`lift: watching ${describeTrees(plan)} for changes`);
  start();

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // a second signal means "now"
    stopping = true;
    clearTimeout(timer);
    watcher.close();
    const current = child;
    const stopped = async () => {
      await restarting;
      // Ctrl-C reaches the child too (same process group): give it the first chance to stop by itself.
      if (current !== undefined && signal === 'SIGINT') await exitWithin(current, 1_000);
      if (child !== undefined) await stopChild(child, 'SIGTERM');
    };
    stopped().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function exitWithin(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timeout = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(timeout);
      resolve();
    });
  });
}

function describeTrees(plan: WatchPlan): string {
  const cwd = process.cwd();
  return [...plan.trees, ...plan.files].map((entry) => path.relative(cwd, entry) || '.').join(', ');
}
