/**
 * The servers `bench/jwt.ts` measures and how each is started and checked: raw node:http
 * (bench/servers/node-http.ts), Fastify + @fastify/jwt (jwt-fastify-server.ts) and the Lift reference app
 * (jwt-lift-server.ts), one at a time in its own process. The load generator with request headers and the
 * HTTP client are session.ts's (session-servers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startChild } from './harness/children.ts';
import { findFreePort } from './harness/free-port.ts';
import { withoutLiftVariables } from './harness/lift-environment.ts';
import { pinned } from './harness/pinning.ts';
import { assertJsonAnswer, waitUntil } from './harness/probe.ts';
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

export interface RunningServer {
  baseUrl: string;
  /** Request headers every measured request carries (the bearer token). */
  headers: Record<string, string>;
  /** What the measured path must answer, exactly. */
  expectBody: string;
  stop(): Promise<void>;
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
  assertJsonAnswer(`${target.label}: GET ${target.path}`, response, expected);
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
    ...pinned(0, process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script)]),
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
      await waitUntil(child, 'an answer', STARTUP_MS, () =>
        send(baseUrl + target.path).then(
          () => true,
          () => null,
        ),
      );
      ready = { authorization: `Bearer ${'A'.repeat(PLACEHOLDER_TOKEN_LENGTH)}`, body: {} };
    } else {
      ready = await waitUntil(child, 'ready line', STARTUP_MS, async () => findReadyLine(child.stdout()));
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
