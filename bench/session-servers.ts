/**
 * The servers `bench/session.ts` measures and how they are started and loaded: raw node:http
 * (bench/servers/node-http.ts), the Lift fixture (session-server.ts) in several configurations and the Better
 * Auth peer (session-better-auth-server.ts), one at a time in its own process, with the load generator
 * (session-load.ts) in another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Child, startChild } from './harness/children.ts';
import { findFreePort } from './harness/free-port.ts';
import { withoutLiftVariables } from './harness/lift-environment.ts';
import { type LoadResult, parseLoadResult } from './harness/load-protocol.ts';
import { pinned } from './harness/pinning.ts';
import { waitUntil } from './harness/probe.ts';
import type { LoadSettings } from './harness/settings.ts';
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
  | 'me-sql-no-access-log'
  | 'better-auth';

export interface Target {
  id: TargetId;
  label: string;
  path: string;
  /** Uses Redis (skipped when Redis does not answer). */
  redis: boolean;
  /** Environment of the server fixture; absent for raw node:http. */
  fixture?: Record<string, string>;
  /** The fixture's script (default `session-server.ts`, the Lift fixture). */
  script?: string;
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
  {
    id: 'better-auth',
    label: 'Better Auth getSession (SQLite, defaults)',
    path: '/me',
    redis: false,
    fixture: {},
    script: 'session-better-auth-server.ts',
  },
];
/** Measured unless BENCH_TARGETS names others. */
export const DEFAULT_TARGETS: TargetId[] = [
  'node-http',
  'lift-hello',
  'me-sql',
  'me-redis',
  'me-redis-uncached',
  'better-auth',
];

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
      ...pinned(0, process.execPath, ['--import', 'tsx', join(ROOT, 'bench/servers/node-http.ts')]),
      env: { ...process.env, ...address },
      cwd: ROOT,
    });
    await waitUntil(child, 'an answer', STARTUP_MS, () =>
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
    ...pinned(0, process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench', target.script ?? 'session-server.ts'),
    ]),
    env: {
      ...withoutLiftVariables(),
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
    const ready = await waitUntil(child, 'ready line', STARTUP_MS, async () => findReadyLine(child.stdout()));
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

/** Measures `url` with `settings`, every request carrying `headers` and answered with exactly `expectBody`. */
export async function runLoad(
  label: string,
  url: string,
  settings: LoadSettings,
  expected: { expectBody: string; headers: Record<string, string> },
): Promise<LoadResult> {
  const request: HeaderLoadRequest = {
    url,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
    connections: settings.connections,
    pipelining: settings.pipelining,
    ...expected,
  };
  const load = startChild({
    name: `load generator (${label})`,
    ...pinned(1, process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench/session-load.ts'),
      JSON.stringify(request),
    ]),
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
