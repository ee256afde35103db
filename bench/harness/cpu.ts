/**
 * CPU per request without a network: an app's Node request listener driven with real `IncomingMessage` /
 * `ServerResponse` objects on a socket that discards what is written (bench/http-cpu.ts, bench/telemetry.ts).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import type { CpuRequest, Listener } from '../http-cpu-targets.ts';

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

function driver(listener: Listener, asked: CpuRequest) {
  const rawHeaders = ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Accept', '*/*'];
  const headers: Record<string, string> = { host: '127.0.0.1:3000', 'user-agent': 'bench', accept: '*/*' };
  for (const [name, value] of Object.entries(asked.headers)) {
    rawHeaders.push(name, value);
    headers[name] = value;
  }
  const socket = new DiscardingSocket();
  const one = () =>
    new Promise<void>((resolve) => {
      const req = new IncomingMessage(socket as never);
      req.method = 'GET';
      req.url = asked.path;
      req.rawHeaders = rawHeaders;
      req.headers = headers;
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

/** Requests between two turns of the event loop (as many as the loopback benchmark has connections). */
const BATCH = 50;

export async function cpuPerRequest(
  listener: Listener,
  asked: CpuRequest,
  count: number,
): Promise<{ micros: number; response: string }> {
  const { one, lastResponse } = driver(listener, asked);
  for (let i = 0; i < Math.min(5_000, count); i++) await one();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    await one();
    // A server under load turns its event loop between batches of requests: I/O callbacks (a buffered log
    // writer's) run there. Without this, a run never leaves the microtask queue.
    if (i % BATCH === BATCH - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(before);
  return { micros: (used.user + used.system) / count, response: lastResponse() };
}

/**
 * The same, with `inFlight` requests at a time, each on its own socket: for apps whose requests wait on I/O (a
 * Redis call), where a loaded server overlaps requests and their event-loop turns, and one at a time would
 * charge every request a whole turn of its own.
 */
export async function cpuPerRequestInFlight(
  listener: Listener,
  asked: CpuRequest,
  count: number,
  inFlight: number,
): Promise<{ micros: number; response: string }> {
  const drivers = Array.from({ length: inFlight }, () => driver(listener, asked));
  const rounds = Math.ceil(count / inFlight);
  const warmup = Math.ceil(Math.min(5_000, count) / inFlight);
  for (let i = 0; i < warmup; i++) await Promise.all(drivers.map((one) => one.one()));
  const before = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await Promise.all(drivers.map((one) => one.one()));
  const used = process.cpuUsage(before);
  return { micros: (used.user + used.system) / (rounds * inFlight), response: drivers[0]!.lastResponse() };
}
