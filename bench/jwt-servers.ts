/**
 * The servers `bench/jwt.ts` measures and how each is started and checked: raw node:http
 * (bench/servers/node-http.ts), Fastify + @fastify/jwt (jwt-fastify-server.ts) and the Lift reference app
 * (jwt-lift-server.ts), one at a time in its own process. The load generator with request headers and the
 * HTTP client are session.ts's (session-servers.ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Child, startChild } from './harness/children.ts';
import { findFreePort } from './harness/free-port.ts';
import { findReadyLine, type JwtAlgorithm, type JwtServerReady } from './jwt-protocol.ts';
import { send } from './session-servers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const STARTUP_MS = 60_000;
/** Raw node:http gets a bearer header as long as Lift's EdDSA token, so every target parses the same bytes. */
const PLACEHOLDER_TOKEN_LENGTH = 470;

export type TargetId =
  | 'node-http'
  | 'lift-hello'
  | 'fastify-hs256'
  | 'fastify-eddsa'
  | 'lift-hs256'
  | 'lift-eddsa'
  | 'lift-hs256-uncached'
  | 'lift-eddsa-uncached'
  | 'fastify-hs256-cached'
  | 'fastify-eddsa-cached';

export interface Target {
  id: TargetId;
  label: string;
  path: '/hello' | '/me';
  /** The server fixture and its environment; absent for raw node:http. */
  fixture?: {
    script: 'jwt-lift-server.ts' | 'jwt-fastify-server.ts';
    algorithm: JwtAlgorithm;
    env: Record<string, string>;
  };
}

function lift(
  id: TargetId,
  label: string,
  algorithm: JwtAlgorithm,
  env: Record<string, string> = {},
): Target {
  return { id, label, path: '/me', fixture: { script: 'jwt-lift-server.ts', algorithm, env } };
}

function fastify(
  id: TargetId,
  label: string,
  algorithm: JwtAlgorithm,
  env: Record<string, string> = {},
): Target {
  return { id, label, path: '/me', fixture: { script: 'jwt-fastify-server.ts', algorithm, env } };
}

export const TARGETS: Target[] = [
  { id: 'node-http', label: 'raw node:http', path: '/hello' },
  {
    id: 'lift-hello',
    label: 'Lift, route without requireAuth()',
    path: '/hello',
    fixture: { script: 'jwt-lift-server.ts', algorithm: 'EdDSA', env: {} },
  },
  fastify('fastify-hs256', 'Fastify + @fastify/jwt, HS256', 'HS256'),
  fastify('fastify-eddsa', 'Fastify + @fastify/jwt, EdDSA', 'EdDSA'),
  lift('lift-hs256', 'Lift, HS256 (verified-token cache)', 'HS256'),
  lift('lift-eddsa', 'Lift, EdDSA (default: verified-token cache)', 'EdDSA'),
  lift('lift-hs256-uncached', 'Lift, HS256, verifiedCacheSize 0', 'HS256', { BENCH_JWT_CACHE_SIZE: '0' }),
  lift('lift-eddsa-uncached', 'Lift, EdDSA, verifiedCacheSize 0', 'EdDSA', { BENCH_JWT_CACHE_SIZE: '0' }),
  fastify('fastify-hs256-cached', 'Fastify + @fastify/jwt, HS256, fast-jwt cache on', 'HS256', {
    BENCH_JWT_CACHE: '1',
  }),
  fastify('fastify-eddsa-cached', 'Fastify + @fastify/jwt, EdDSA, fast-jwt cache on', 'EdDSA', {
    BENCH_JWT_CACHE: '1',
  }),
];
/**
 * Measured unless BENCH_TARGETS names others: all but Lift's `GET /hello` (the pipeline without authentication)
 * and Fastify with fast-jwt's cache switched on, which would take the run past 3 minutes.
 */
export const DEFAULT_TARGETS: TargetId[] = [
  'node-http',
  'fastify-hs256',
  'fastify-eddsa',
  'lift-hs256',
  'lift-eddsa',
  'lift-hs256-uncached',
  'lift-eddsa-uncached',
];

/**
 * With two or more CPUs (and `taskset`), servers and the verification child run on CPU 0 and the load
 * generator on CPU 1, as in bench/harness/measure.ts. `BENCH_PIN=0` turns it off.
 */
export const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && existsSync('/usr/bin/taskset');

export function pinned(cpu: number, args: string[]): { command: string; args: string[] } {
  return PIN
    ? { command: '/usr/bin/taskset', args: ['-c', String(cpu), process.execPath, ...args] }
    : { command: process.execPath, args };
}

export interface RunningServer {
  baseUrl: string;
  /** Request headers every measured request carries (the bearer token). */
  headers: Record<string, string>;
  /** What the measured path must answer, exactly. */
  expectBody: string;
  stop(): Promise<void>;
}

/** The environment without inherited `LIFT_*` settings, so Lift runs with its defaults plus the bench's. */
function withoutLiftVariables(): NodeJS.ProcessEnv {
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

/** The same token with one character of its signature changed: a verifying server must answer 401. */
function tamperedAuthorization(authorization: string): string {
  const at = authorization.length - 20;
  const replacement = authorization[at] === 'A' ? 'B' : 'A';
  return authorization.slice(0, at) + replacement + authorization.slice(at + 1);
}

/**
 * Throws unless the path answers 200 with exactly `expected` (as JSON) and, for `GET /me`, 401 without a token
 * and 401 with a tampered signature; returns the exact body every measured response must have.
 */
async function checkServer(
  target: Target,
  baseUrl: string,
  headers: Record<string, string>,
  expected: unknown,
): Promise<string> {
  const url = baseUrl + target.path;
  const response = await send(url, { headers });
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    parsed = undefined;
  }
  if (response.status !== 200 || !isDeepStrictEqual(parsed, expected)) {
    throw new Error(
      `${target.label}: GET ${target.path} answered ${response.status} ${response.body.slice(0, 300)}, ` +
        `expected 200 ${JSON.stringify(expected)}`,
    );
  }
  if (target.path === '/me') {
    const anonymous = await send(url);
    const tampered = await send(url, {
      headers: { authorization: tamperedAuthorization(headers.authorization!) },
    });
    if (anonymous.status !== 401 || tampered.status !== 401) {
      throw new Error(
        `${target.label}: GET /me answered ${anonymous.status} without a token and ${tampered.status} with a ` +
          'tampered signature; both must be 401',
      );
    }
  }
  return response.body;
}

export async function startServer(target: Target): Promise<RunningServer> {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const address = { BENCH_PORT: String(port), BENCH_HOST: '127.0.0.1' };
  const fixture = target.fixture;
  const dataDir = fixture === undefined ? null : mkdtempSync(join(tmpdir(), 'lift-bench-jwt-'));
  const script = fixture === undefined ? 'servers/node-http.ts' : fixture.script;
  const child = startChild({
    name: target.label,
    ...pinned(0, ['--import', 'tsx', join(ROOT, 'bench', script)]),
    env: {
      ...(fixture?.script === 'jwt-lift-server.ts' ? withoutLiftVariables() : process.env),
      ...address,
      ...(fixture === undefined
        ? {}
        : { BENCH_DATA_DIR: dataDir!, BENCH_JWT_ALGORITHM: fixture.algorithm, ...fixture.env }),
    },
    cwd: ROOT,
  });
  const stop = async () => {
    await child.stop();
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let ready: JwtServerReady;
    if (fixture === undefined) {
      await waitUntil(child, 'an answer', () =>
        send(baseUrl + target.path).then(
          () => true,
          () => null,
        ),
      );
      ready = { authorization: `Bearer ${'A'.repeat(PLACEHOLDER_TOKEN_LENGTH)}`, body: {} };
    } else {
      ready = await waitUntil(child, 'ready line', async () => findReadyLine(child.stdout()));
    }
    const headers = { authorization: ready.authorization };
    const expected = target.path === '/hello' ? { hello: 'world' } : ready.body;
    const expectBody = await checkServer(target, baseUrl, headers, expected);
    return { baseUrl, headers, expectBody, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
