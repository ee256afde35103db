/**
 * The servers `bench/session.ts` measures and how they are started and loaded: raw node:http
 * (bench/servers/node-http.ts) and the Lift fixture (session-server.ts) in several configurations, one at a
 * time in its own process, with the load generator (session-load.ts) in another.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Child, startChild } from './harness/children.ts';
import { findFreePort } from './harness/free-port.ts';
import { type LoadResult, parseLoadResult } from './harness/load-protocol.ts';
import { withTimeout } from './harness/timeout.ts';
import { findReadyLine, type HeaderLoadRequest, type SessionServerReady } from './session-protocol.ts';

const ROOT = resolve(import.meta.dirname, '..');
const STARTUP_MS = 60_000;
const LOAD_SLACK_SECONDS = 30;
/** Sent by the load generator and the login client; the fixture's session is created with it. */
export const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type TargetId =
  | 'node-http'
  | 'lift-hello'
  | 'me-sql'
  | 'me-redis'
  | 'me-redis-uncached'
  | 'me-sql-no-access-log';

export interface Target {
  id: TargetId;
  label: string;
  path: string;
  /** Uses Redis (skipped when Redis does not answer). */
  redis: boolean;
  /** Environment of the server fixture; absent for raw node:http. */
  fixture?: Record<string, string>;
}

export const TARGETS: Target[] = [
  { id: 'node-http', label: 'raw node:http', path: '/hello', redis: false },
  { id: 'lift-hello', label: 'Lift, no session', path: '/hello', redis: false, fixture: {} },
  {
    id: 'me-sql',
    label: 'Lift, SQL store + node cache (default)',
    path: '/me',
    redis: false,
    fixture: { BENCH_SESSION_STORE: 'sql' },
  },
  {
    id: 'me-redis',
    label: 'Lift, Redis store + node cache',
    path: '/me',
    redis: true,
    fixture: { BENCH_SESSION_STORE: 'redis' },
  },
  {
    id: 'me-redis-uncached',
    label: 'Lift, Redis store, cacheTtlMs 1 (GET per request)',
    path: '/me',
    redis: true,
    fixture: { BENCH_SESSION_STORE: 'redis', BENCH_SESSION_CACHE_TTL_MS: '1' },
  },
  {
    id: 'me-sql-no-access-log',
    label: 'Lift, SQL store + node cache, access log off',
    path: '/me',
    redis: false,
    fixture: { BENCH_SESSION_STORE: 'sql', BENCH_ACCESS_LOG: '0' },
  },
];
/** Measured unless BENCH_TARGETS names others. */
export const DEFAULT_TARGETS: TargetId[] = [
  'node-http',
  'lift-hello',
  'me-sql',
  'me-redis',
  'me-redis-uncached',
];

/**
 * With two or more CPUs (and `taskset`), servers run on CPU 0 and the load generator on CPU 1, as in
 * bench/harness/measure.ts. `BENCH_PIN=0` turns it off.
 */
export const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && existsSync('/usr/bin/taskset');

function pinned(cpu: number, args: string[]): { command: string; args: string[] } {
  return PIN
    ? { command: '/usr/bin/taskset', args: ['-c', String(cpu), process.execPath, ...args] }
    : { command: process.execPath, args };
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent } = {},
): Promise<HttpResponse> {
  return new Promise((resolvePromise, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: { ...options.headers, ...(options.agent ? {} : { connection: 'close' }) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error(`${url} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

export interface RunningServer {
  child: Child;
  baseUrl: string;
  /** The fixture's ready line; null for raw node:http. */
  ready: SessionServerReady | null;
  stop(): Promise<void>;
}

function liftEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('LIFT_')) env[key] = value;
  return env;
}

async function waitUntil<T>(child: Child, what: string, poll: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (child.hasExited()) {
      throw new Error(`${child.name} exited (${await child.exited}) before ${what}\n${child.stderrTail()}`);
    }
    const value = await poll();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${child.name}: no ${what} within ${STARTUP_MS / 1000} s`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

export async function startServer(
  target: Target,
  extraEnv: Record<string, string> = {},
): Promise<RunningServer> {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const address = { BENCH_PORT: String(port), BENCH_HOST: '127.0.0.1' };
  if (target.fixture === undefined) {
    const child = startChild({
      name: target.label,
      ...pinned(0, ['--import', 'tsx', join(ROOT, 'bench/servers/node-http.ts')]),
      env: { ...process.env, ...address },
      cwd: ROOT,
    });
    await waitUntil(child, 'an answer', () =>
      send(baseUrl + target.path).then(
        () => true,
        () => null,
      ),
    );
    return { child, baseUrl, ready: null, stop: () => child.stop() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-session-'));
  const child = startChild({
    name: target.label,
    ...pinned(0, ['--import', 'tsx', join(ROOT, 'bench/session-server.ts')]),
    env: {
      ...liftEnvironment(),
      ...address,
      BENCH_DATA_DIR: dataDir,
      BENCH_USER_AGENT: USER_AGENT,
      BENCH_REDIS_URL: REDIS_URL,
      ...target.fixture,
      ...extraEnv,
    },
    cwd: ROOT,
  });
  try {
    const ready = await waitUntil(child, 'ready line', async () => findReadyLine(child.stdout()));
    return {
      child,
      baseUrl,
      ready,
      stop: async () => {
        await child.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export async function runLoad(request: HeaderLoadRequest, label: string): Promise<LoadResult> {
  const load = startChild({
    name: `load generator (${label})`,
    ...pinned(1, ['--import', 'tsx', join(ROOT, 'bench/session-load.ts'), JSON.stringify(request)]),
    cwd: ROOT,
  });
  try {
    const budgetMs = (request.warmupSeconds + request.durationSeconds + LOAD_SLACK_SECONDS) * 1000;
    const exit = await withTimeout(load.exited, budgetMs, load.name);
    if (exit !== 0) throw new Error(`${load.name} failed (exit ${exit}):\n${load.stderrTail()}`);
    const result = parseLoadResult(load.stdout().trim().split('\n').at(-1) ?? '');
    const problems = [
      result.totalRequests === 0 ? 'no requests completed' : '',
      result.non2xx > 0 ? `${result.non2xx} non-2xx responses` : '',
      result.mismatches > 0 ? `${result.mismatches} responses with an unexpected body` : '',
      result.errors > 0 ? `${result.errors} connection errors` : '',
      result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
    ].filter((problem) => problem !== '');
    if (problems.length > 0) throw new Error(`${label}: ${problems.join(', ')} during the measured run`);
    return result;
  } finally {
    await load.stop();
  }
}
