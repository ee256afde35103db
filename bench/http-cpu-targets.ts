/**
 * The apps bench/http-cpu.ts drives: raw node:http, bare Hono, Hono with Lift's response headers, Fastify with
 * and without its production setup, and Lift with every default stage and with one stage off at a time (the
 * difference is that stage's cost). Every one answers `GET /hello` with `{"hello":"world"}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import Fastify, { type FastifyPluginCallback } from 'fastify';
import { Hono } from 'hono';
import { pino } from 'pino';
import { createLogger } from '../packages/server/src/core/logger.ts';
import { createLift, requireAuth } from '../packages/server/src/index.ts';
import { signedInUser } from '../packages/server/src/testing.ts';

export type Listener = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface CpuTarget {
  label: string;
  /** For Lift variants: the stage this variant leaves out (its cost = all defaults − this variant). */
  without?: string;
  /** For authenticated variants: what authentication adds to `GET /hello` (its cost = this − all defaults). */
  adds?: string;
  listener: () => Promise<Listener | null>;
}

/** What an authenticated target is asked, once its listener exists: path, extra headers, the exact body. */
export interface CpuRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Set by the authenticated targets' listeners (they sign a user in first); `GET /hello` otherwise. */
export const requests = new Map<string, CpuRequest>();

/** Log lines go where a production log shipper would read them; here, a buffered writer to /dev/null. */
function discardingDestination() {
  return pino.destination({
    dest: '/dev/null',
    sync: process.env.BENCH_SYNC_LOG === '1',
    minLength: Number(process.env.BENCH_MINLEN ?? 0),
  });
}

const LIFT_DEFAULT_HEADERS = {
  'x-request-id': 'AAAAAAAAAAAAAAAAAAAAAA',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'content-type': 'application/json; charset=utf-8',
};

const BODY = JSON.stringify({ hello: 'world' });

function rawNode(): Listener {
  return (req, res) => {
    if (req.url === '/hello') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
      res.end(BODY);
    } else {
      res.writeHead(404);
      res.end();
    }
  };
}

function liftVariant(
  http: Record<string, unknown>,
  level: 'info' | 'warn' = 'info',
  metrics: 'prometheus' | 'off' = 'prometheus',
): () => Promise<Listener> {
  return async () => {
    const lift = createLift(
      {
        env: 'production',
        secret: 'x'.repeat(64),
        storage: { url: 'sqlite::memory:', kv: 'memory:' },
        http,
        metrics: { mode: metrics },
      },
      { logger: createLogger({ level, destination: discardingDestination(), batchLines: true }) },
    );
    lift.get('/hello', () => ({ hello: 'world' }));
    return getRequestListener(lift.fetch);
  };
}

/**
 * Lift with every default stage and `GET /me` behind `requireAuth()`, as the reference app has it, for a user
 * signed in with a session cookie or a bearer access token (EdDSA, the default; verified-token cache on).
 */
function liftAuthenticated(label: string, credential: 'cookie' | 'bearer'): () => Promise<Listener> {
  return async () => {
    const lift = createLift(
      {
        env: 'production',
        secret: 'x'.repeat(64),
        storage: { url: 'sqlite::memory:', kv: 'memory:' },
        auth: { publicUrl: 'https://notes.example' },
        mail: { url: 'memory:' },
      },
      { logger: createLogger({ level: 'info', destination: discardingDestination(), batchLines: true }) },
    );
    lift.group('/me', requireAuth()).get('/', (ctx) => {
      const principal = ctx.principal!;
      return { id: principal.id, type: principal.type, auth_method: principal.authMethod };
    });
    await lift.migrate();
    await lift.start();
    const user = await signedInUser(lift, `${credential}@example.com`);
    const headers: Record<string, string> =
      credential === 'cookie' ? { cookie: user.cookie } : { authorization: `Bearer ${user.bearer}` };
    const method = credential === 'cookie' ? 'session' : 'bearer';
    requests.set(label, {
      path: '/me',
      headers,
      body: JSON.stringify({ id: user.id, type: 'user', auth_method: method }),
    });
    return getRequestListener(lift.fetch);
  };
}

/** Fastify plugins that are devDependencies of the benchmarks; null (row skipped) when not installed. */
async function optional<T>(name: string): Promise<T | null> {
  try {
    return ((await import(name)) as { default: T }).default;
  } catch {
    return null;
  }
}

async function fastifyProduction(): Promise<Listener | null> {
  const helmet = await optional<FastifyPluginCallback>('@fastify/helmet');
  const cors = await optional<FastifyPluginCallback>('@fastify/cors');
  if (helmet === null || cors === null) return null;
  const app = Fastify({ logger: { level: 'info', stream: discardingDestination() } });
  await app.register(helmet);
  await app.register(cors);
  app.get('/hello', async () => ({ hello: 'world' }));
  await app.ready();
  return (req, res) => app.routing(req, res);
}

export function cpuTargets(): CpuTarget[] {
  const hono = new Hono();
  hono.get('/hello', (c) => c.json({ hello: 'world' }));
  const honoHeaders = new Hono();
  honoHeaders.get('/hello', (c) => c.newResponse(BODY, 200, { ...LIFT_DEFAULT_HEADERS }));
  const allOff = {
    accessLog: { enabled: false },
    securityHeaders: { enabled: false },
    cors: { enabled: false },
    requestId: { enabled: false },
  };
  return [
    { label: 'raw node:http', listener: async () => rawNode() },
    { label: 'Hono (@hono/node-server)', listener: async () => getRequestListener(hono.fetch) },
    {
      label: "Hono sending Lift's default headers",
      listener: async () => getRequestListener(honoHeaders.fetch),
    },
    {
      label: 'Fastify (logger off)',
      listener: async () => {
        const app = Fastify({ logger: false });
        app.get('/hello', async () => ({ hello: 'world' }));
        await app.ready();
        return (req, res) => app.routing(req, res);
      },
    },
    { label: 'Fastify, logger + @fastify/helmet + @fastify/cors', listener: fastifyProduction },
    { label: 'Lift, every default (access log written)', listener: liftVariant({}) },
    {
      label: 'Lift, access log off',
      without: 'access log',
      listener: liftVariant({ accessLog: { enabled: false } }),
    },
    {
      label: 'Lift, request id off',
      without: 'request id',
      listener: liftVariant({ requestId: { enabled: false } }),
    },
    {
      label: 'Lift, security headers off',
      without: 'security headers',
      listener: liftVariant({ securityHeaders: { enabled: false } }),
    },
    { label: 'Lift, CORS off', without: 'CORS', listener: liftVariant({ cors: { enabled: false } }) },
    {
      label: 'Lift, metrics off',
      without: 'HTTP metrics (metrics.mode off)',
      listener: liftVariant({}, 'info', 'off'),
    },
    {
      label: 'Lift, access log and metrics off',
      without: 'telemetry: access log and HTTP metrics (tracing has no exporter by default)',
      listener: liftVariant({ accessLog: { enabled: false } }, 'info', 'off'),
    },
    { label: 'Lift, every optional stage off', listener: liftVariant(allOff) },
    {
      label: 'Lift, GET /me with a session cookie',
      adds: 'session authentication (requireAuth, cookie → cached session)',
      listener: liftAuthenticated('Lift, GET /me with a session cookie', 'cookie'),
    },
    {
      label: 'Lift, GET /me with a bearer token',
      adds: 'bearer authentication (requireAuth, EdDSA access token → verified-token cache)',
      listener: liftAuthenticated('Lift, GET /me with a bearer token', 'bearer'),
    },
  ];
}
