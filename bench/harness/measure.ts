/**
 * One measurement: start a server in its own process, wait until it answers, check the answer, run the load
 * generator in another process (warm-up, then the measured window), stop the server. Exactly one server and one
 * load generator run at a time, so on a 2-core machine each gets a core.
 */
import { join } from 'node:path';
import { type Child, startChild } from './children.ts';
import { findFreePort } from './free-port.ts';
import { type LoadRequest, type LoadResult, parseLoadResult } from './load-protocol.ts';
import { pinned } from './pinning.ts';
import { type ProbeResponse, waitForFirstResponse } from './probe.ts';
import type { LoadSettings } from './settings.ts';
import { withTimeout } from './timeout.ts';

/** Extra time the load child gets beyond warm-up + duration before it counts as hung. */
const LOAD_SLACK_SECONDS = 30;

export interface ServerLaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Called after the server has stopped (for example to remove its temp directory). */
  cleanup?: () => void;
}

export interface ServerTarget {
  /** Shown in tables. */
  label: string;
  /** How to start the server listening on 127.0.0.1:`port`. */
  launch(port: number): ServerLaunch;
  /** How long the server may take to answer its first request. */
  startupTimeoutMs: number;
}

export interface MeasureOptions {
  /** Repository root: the working directory of every child. */
  root: string;
  /** Path the load generator requests, e.g. `/hello`. */
  path: string;
  settings: LoadSettings;
  /** Throws if the first response is not the expected one; returns the exact body every request must return. */
  checkResponse(response: ProbeResponse, target: ServerTarget): string;
}

async function runLoad(options: MeasureOptions, url: string, expectBody: string, label: string) {
  const { settings } = options;
  const request: LoadRequest = {
    url,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
    connections: settings.connections,
    pipelining: settings.pipelining,
    expectBody,
  };
  const load = startChild({
    name: `load generator (${label})`,
    ...pinned(1, process.execPath, [
      '--import',
      'tsx',
      join(options.root, 'bench/harness/load.ts'),
      JSON.stringify(request),
    ]),
    cwd: options.root,
  });
  try {
    const budgetMs = (settings.warmupSeconds + settings.durationSeconds + LOAD_SLACK_SECONDS) * 1000;
    const exit = await withTimeout(load.exited, budgetMs, load.name);
    if (exit !== 0) {
      throw new Error(`${load.name} failed (exit ${exit}):\n${load.stderrTail()}`);
    }
    const lastLine = load.stdout().trim().split('\n').at(-1) ?? '';
    return parseLoadResult(lastLine);
  } finally {
    await load.stop();
  }
}

function assertClean(result: LoadResult, label: string): void {
  const problems = [
    result.totalRequests === 0 ? 'no requests completed' : '',
    result.non2xx > 0 ? `${result.non2xx} non-2xx responses` : '',
    result.mismatches > 0 ? `${result.mismatches} responses with an unexpected body` : '',
    result.errors > 0 ? `${result.errors} connection errors` : '',
    result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
  ].filter((problem) => problem !== '');
  if (problems.length > 0) {
    throw new Error(
      `${label}: ${problems.join(', ')} during the measured run; the numbers would be meaningless`,
    );
  }
}

export async function measureServer(target: ServerTarget, options: MeasureOptions): Promise<LoadResult> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}${options.path}`;
  const launch = target.launch(port);
  let server: Child | undefined;
  try {
    server = startChild({
      name: target.label,
      ...pinned(0, launch.command, launch.args),
      env: launch.env,
      cwd: options.root,
    });
    const first = await waitForFirstResponse(url, server, target.startupTimeoutMs);
    const expectBody = options.checkResponse(first, target);
    const result = await runLoad(options, url, expectBody, target.label);
    assertClean(result, target.label);
    return result;
  } finally {
    await server?.stop();
    launch.cleanup?.();
  }
}
