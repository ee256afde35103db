/**
 * CPU per request of `GET /hello`, without a network: each app is driven through @hono/node-server's own Node
 * request listener (the code `lift serve` runs) with real `IncomingMessage`/`ServerResponse` objects on a socket
 * that discards what is written. On a shared machine the loopback benchmark (http.ts) swings with the
 * neighbours; this one isolates what the framework costs per request and which part of it is response headers.
 *
 *   node --import tsx bench/http-cpu.ts [--requests 50000] [--rounds 3]
 *
 * Prints CPU µs per request (best round) and the ratio to bare Hono for: bare Hono, Hono sending the same
 * response headers Lift sends by default, and a Lift app with every default stage.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { pino } from 'pino';
import { createLift } from '../packages/server/src/index.ts';
import { formatRatio, markdownTable } from './harness/report.ts';

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

/** A socket that accepts every write and keeps the last one, so the response can be checked. */
class DiscardingSocket extends Duplex {
  readonly remoteAddress = '127.0.0.1';
  last = '';
  override _read(): void {}
  override _write(chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    this.last = String(chunk);
    done();
  }
  override _writev(chunks: Array<{ chunk: unknown }>, done: () => void): void {
    this.last = chunks.map((entry) => String(entry.chunk)).join('');
    done();
  }
}

function driver(fetch: Fetch) {
  const listener = getRequestListener(fetch);
  const socket = new DiscardingSocket();
  const one = () =>
    new Promise<void>((resolve) => {
      const req = new IncomingMessage(socket as never);
      req.method = 'GET';
      req.url = '/hello';
      req.rawHeaders = ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Accept', '*/*'];
      req.headers = { host: '127.0.0.1:3000', 'user-agent': 'bench', accept: '*/*' };
      req.push(null);
      const res = new ServerResponse(req);
      res.assignSocket(socket as never);
      res.on('finish', () => {
        res.detachSocket(socket as never);
        resolve();
      });
      void listener(req, res);
    });
  return { one, lastResponse: () => socket.last };
}

async function cpuPerRequest(fetch: Fetch, requests: number): Promise<{ micros: number; response: string }> {
  const { one, lastResponse } = driver(fetch);
  for (let i = 0; i < Math.min(5_000, requests); i++) await one();
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i++) await one();
  const used = process.cpuUsage(before);
  return { micros: (used.user + used.system) / requests, response: lastResponse() };
}

const LIFT_DEFAULT_HEADERS = {
  'x-request-id': 'AAAAAAAAAAAAAAAAAAAAAA',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'content-type': 'application/json; charset=utf-8',
};

function targets(): Array<{ label: string; fetch: Fetch }> {
  const hono = new Hono();
  hono.get('/hello', (c) => c.json({ hello: 'world' }));
  const honoHeaders = new Hono();
  honoHeaders.get('/hello', (c) =>
    c.newResponse(JSON.stringify({ hello: 'world' }), 200, { ...LIFT_DEFAULT_HEADERS }),
  );
  // Every default stage on; the log level only keeps access lines off the terminal.
  const lift = createLift(
    { env: 'test', storage: { url: 'sqlite::memory:', kv: 'memory:' } },
    { logger: pino({ level: 'warn' }) },
  );
  lift.get('/hello', () => ({ hello: 'world' }));
  return [
    { label: 'Hono (@hono/node-server)', fetch: hono.fetch },
    { label: "Hono sending Lift's default headers", fetch: honoHeaders.fetch },
    { label: 'Lift (every default stage)', fetch: lift.fetch },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } },
    strict: false,
  });
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  const list = targets();
  const best = list.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    for (const [index, target] of list.entries()) {
      const { micros, response } = await cpuPerRequest(target.fetch, requests);
      if (!response.startsWith('HTTP/1.1 200') || !response.endsWith('{"hello":"world"}')) {
        throw new Error(`${target.label}: unexpected response:\n${response}`);
      }
      best[index] = Math.min(best[index]!, micros);
    }
  }
  const baseline = best[0]!;
  const rows = list.map((target, index) => [
    target.label,
    best[index]!.toFixed(2),
    formatRatio(best[index]! / baseline),
  ]);
  console.log(`# HTTP CPU per request: GET /hello (${requests} requests, best of ${rounds} rounds)\n`);
  console.log(markdownTable(['target', 'CPU µs per request', 'cost relative to bare Hono'], rows));
}

await main();
