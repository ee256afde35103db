/**
 * Server child of `bench/realtime.ts`: one WebSocket server of the kind `BENCH_KIND` on `BENCH_PORT`, and a
 * small HTTP control server on `BENCH_CONTROL_PORT` that the benchmark and its clients use:
 *
 * - `GET /tokens?from=&count=` — one access token a line for users `bench-<from>` … (issued here, in this
 *   process: Lift's tokens module, or jose for Socket.IO; raw ws takes none and gets empty lines);
 * - `GET /stats?gc=1` — `ServerStats`, after two full garbage collections when asked (needs `--expose-gc`);
 * - `POST /publish?count=&intervalMs=&bytes=` — `count` publications to `FANOUT_CHANNEL`, one every `intervalMs`,
 *   each carrying `{ seq, t0 }` with `t0 = sharedNow()` taken right before the publish call, and with `bytes`
 *   (optional) records (`items`) that make it at least that many bytes of JSON.
 *
 * Kinds:
 * - `ws`: `ws`'s WebSocketServer, no authentication; a ping to every socket every 25 s (terminating those that
 *   missed the last), as Lift and Socket.IO do by default; any text frame subscribes the socket to the fan-out.
 * - `socketio`: Socket.IO 4 with its defaults; an `io.use()` middleware verifies the handshake's
 *   `auth.token` with jose's `jwtVerify` (EdDSA, issuer, audience, expiry): a signature check per handshake.
 * - `lift`: `createLift` with `liftModules()` and `realtimeModule()`, production mode, default log level (the
 *   access log on, to stdout, drained by the harness), every default except what production requires; one
 *   channel namespace `bench` that any authenticated principal may subscribe to.
 *
 * `BENCH_LIFT_CONFIG` (JSON, top-level sections) changes Lift's config, for the diagnostic rows that show what a
 * default costs and for the compression measurement's Lift with compression on; the main rows never set it.
 * `BENCH_DEFLATE=1` turns permessage-deflate on for raw ws and Socket.IO with Lift's threshold and no server
 * context takeover, zlib's own window (Lift's own is its config); off, as by default, otherwise.
 *
 * Across nodes (`BENCH_REDIS_URL`, `BENCH_REDIS_PREFIX`): Lift's `storage.kv` and `storage.broker` are that
 * Redis (a unique prefix); raw ws relays publications through Redis PUBLISH/SUBSCRIBE on one channel.
 * The process exits by itself when the parent goes away or after `BENCH_MAX_SECONDS`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocket, WebSocketServer } from 'ws';
import { createLift, liftModules } from '../packages/server/src/index.ts';
import { realtimeModule } from '../packages/server/src/realtime/index.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import {
  FANOUT_CHANNEL,
  type FillerItem,
  ISSUER,
  type PublicationData,
  type ServerKind,
  type ServerStats,
  sharedNow,
} from './realtime-protocol.ts';

/** What the control server needs of each kind. */
interface BenchServer {
  issueTokens(from: number, count: number): Promise<string[]>;
  publish(data: PublicationData): Promise<void>;
  connections(): number;
}

const PING_INTERVAL_MS = 25_000;
const TOKEN_TTL = '10m';
/**
 * `BENCH_DEFLATE=1`: Lift's default `thresholdBytes` and no context takeover on the server's side, as Lift's
 * gateway asks `ws` for with `realtime.compression.enabled`; the window and `memLevel` stay zlib's defaults, as
 * the peers' users get them (Lift's own are smaller: its config).
 */
const DEFLATE =
  process.env.BENCH_DEFLATE === '1' ? { threshold: 1_024, serverNoContextTakeover: true } : undefined;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set`);
  return value;
}

async function startRawWs(port: number, redisUrl: string | undefined, prefix: string): Promise<BenchServer> {
  const server = createServer();
  const wss = new WebSocketServer({
    server,
    ...(DEFLATE === undefined ? {} : { perMessageDeflate: DEFLATE }),
  });
  const alive = new WeakSet<WebSocket>();
  const subscribers = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('message', () => {
      subscribers.add(socket);
      socket.send('{"type":"reply"}');
    });
    socket.on('close', () => subscribers.delete(socket));
  });
  setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.delete(socket)) {
        socket.terminate();
        continue;
      }
      socket.ping();
    }
  }, PING_INTERVAL_MS).unref();
  const deliver = (frame: string) => {
    for (const socket of subscribers) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
  };
  const channel = `${prefix}fanout`;
  let publisher: Redis | undefined;
  if (redisUrl !== undefined) {
    publisher = new Redis(redisUrl);
    const subscriber = new Redis(redisUrl);
    await subscriber.subscribe(channel);
    subscriber.on('message', (_channel: string, message: string) => deliver(message));
  }
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issueTokens: async (_from, count) => Array.from({ length: count }, () => ''),
    publish: async (data) => {
      const frame = `{"type":"publication","channel":"${FANOUT_CHANNEL}","data":${JSON.stringify(data)}}`;
      if (publisher === undefined) deliver(frame);
      else await publisher.publish(channel, frame);
    },
    connections: () => wss.clients.size,
  };
}

async function startSocketIo(port: number): Promise<BenchServer> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const server = createServer();
  const io = new SocketIoServer(server, DEFLATE === undefined ? {} : { perMessageDeflate: DEFLATE });
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token !== 'string') {
      next(new Error('unauthorized'));
      return;
    }
    jwtVerify(token, publicKey, { issuer: ISSUER, audience: ISSUER, algorithms: ['EdDSA'] }).then(
      ({ payload }) => {
        socket.data.userId = payload.sub;
        next();
      },
      () => next(new Error('unauthorized')),
    );
  });
  io.on('connection', (socket) => {
    socket.on('subscribe', (channel: unknown, ack: unknown) => {
      if (typeof channel === 'string') void socket.join(channel);
      if (typeof ack === 'function') ack('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issueTokens: async (from, count) => {
      const tokens: string[] = [];
      for (let i = from; i < from + count; i++) {
        tokens.push(
          await new SignJWT({ sid: randomUUID(), amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) })
            .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
            .setIssuer(ISSUER)
            .setAudience(ISSUER)
            .setSubject(`bench-${i}`)
            .setJti(randomUUID())
            .setIssuedAt()
            .setExpirationTime(TOKEN_TTL)
            .sign(privateKey),
        );
      }
      return tokens;
    },
    publish: async (data) => {
      io.to(FANOUT_CHANNEL).emit('publication', data);
    },
    connections: () => io.engine.clientsCount,
  };
}

async function startLift(port: number, redisUrl: string | undefined, prefix: string): Promise<BenchServer> {
  const dataDir = requiredEnv('BENCH_DATA_DIR');
  // What users run: production mode, default log level, every default; only what production requires is set.
  const app = createLift(
    {
      env: 'production',
      secret: randomBytes(48).toString('base64url'),
      dataDir,
      mail: { url: `file:${join(dataDir, 'mail')}` },
      auth: { publicUrl: ISSUER },
      tokens: { issuer: ISSUER, audience: ISSUER },
      ...(redisUrl === undefined ? {} : { storage: { kv: redisUrl, broker: redisUrl, redisPrefix: prefix } }),
      // Diagnostic rows only (what a default costs): sections replaced whole.
      ...(JSON.parse(process.env.BENCH_LIFT_CONFIG ?? '{}') as Record<string, unknown>),
    },
    {
      modules: [...liftModules(), realtimeModule({ namespaces: { bench: { subscribe: 'authenticated' } } })],
    },
  );
  // Production applies no migration by itself (`lift migrate` does it before a deploy).
  await app.migrate();
  await app.start();
  await app.listen({ host: '127.0.0.1', port });
  process.once('SIGTERM', () => {
    void app.close().finally(() => process.exit(0));
  });
  const realtime = app.module('realtime');
  return {
    issueTokens: async (from, count) =>
      Array.from(
        { length: count },
        (_, i) =>
          app.tokens.accessTokens.issue({
            userId: `bench-${from + i}`,
            sid: randomUUID(),
            amr: ['pwd'],
            authTime: Date.now(),
          }).token,
      ),
    publish: async (data) => {
      await realtime.publish(FANOUT_CHANNEL, data);
    },
    connections: () => realtime.localConnections,
  };
}

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return;
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stats(server: BenchServer): ServerStats {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    cpuMicros: cpu.user + cpu.system,
    systemMicros: cpu.system,
    connections: server.connections(),
  };
}

const STATUSES = ['active', 'away', 'offline'];

/** Records that come to at least `bytes` of JSON: repeated keys, varied values, as an app's payload would. */
function filler(bytes: number): FillerItem[] {
  const items: FillerItem[] = [];
  let size = 2;
  for (let id = 0; size < bytes; id++) {
    const item = {
      id,
      name: `user-${(id * 7_919) % 10_007}`,
      status: STATUSES[id % STATUSES.length]!,
      score: ((id * 37) % 1_000) / 10,
    };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return items;
}

async function publishSeries(
  server: BenchServer,
  count: number,
  intervalMs: number,
  bytes: number | undefined,
): Promise<number> {
  const extra = bytes === undefined ? {} : { items: filler(bytes) };
  let failed = 0;
  for (let seq = 1; seq <= count; seq++) {
    try {
      await server.publish({ seq, t0: sharedNow(), ...extra });
    } catch {
      failed++;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return failed;
}

function startControl(port: number, server: BenchServer): Promise<void> {
  const answer = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type }).end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const number = (name: string) => Number(url.searchParams.get(name) ?? Number.NaN);
    if (url.pathname === '/tokens') {
      const tokens = await server.issueTokens(number('from'), number('count'));
      answer(res, 200, 'text/plain', tokens.join('\n'));
    } else if (url.pathname === '/stats') {
      if (url.searchParams.get('gc') === '1') await collectGarbage();
      answer(res, 200, 'application/json', JSON.stringify(stats(server)));
    } else if (url.pathname === '/publish' && req.method === 'POST') {
      const bytes = url.searchParams.has('bytes') ? number('bytes') : undefined;
      const failed = await publishSeries(server, number('count'), number('intervalMs'), bytes);
      answer(res, 200, 'application/json', JSON.stringify({ failed }));
    } else {
      answer(res, 404, 'text/plain', 'not found');
    }
  };
  const control = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answer(res, 500, 'text/plain', String(error)));
  });
  return new Promise((resolve) => control.listen(port, '127.0.0.1', resolve));
}

exitWhenParentExits();
setTimeout(() => process.exit(3), Number(process.env.BENCH_MAX_SECONDS ?? 1_800) * 1000).unref();
const kind = requiredEnv('BENCH_KIND') as ServerKind;
const port = Number(requiredEnv('BENCH_PORT'));
const redisUrl = process.env.BENCH_REDIS_URL || undefined;
const prefix = process.env.BENCH_REDIS_PREFIX ?? `bench-realtime:${process.pid}:`;
// An exit of its own (not the signal's default), so `--cpu-prof` writes its profile; Lift closes its app first.
if (kind !== 'lift') process.once('SIGTERM', () => process.exit(0));
const server =
  kind === 'ws'
    ? await startRawWs(port, redisUrl, prefix)
    : kind === 'socketio'
      ? await startSocketIo(port)
      : await startLift(port, redisUrl, prefix);
await startControl(Number(requiredEnv('BENCH_CONTROL_PORT')), server);
