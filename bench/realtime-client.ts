/**
 * Client child of `bench/realtime.ts`: opens WebSockets to one server of one kind from loopback addresses of
 * its own, with tokens fetched from the server child's control port, and prints its results as
 * `CLIENT_MARKER <json>` lines (realtime-protocol.ts). One JSON argument, a `ClientSettings`. Modes:
 *
 * - `hold`: opens `connections` (`concurrency` handshakes in flight), reports, and keeps them open until the
 *   parent stops it (or `maxSeconds`);
 * - `churn`: once the parent says go (a line on stdin), `concurrency` loops of connect → authenticated → close, counting those completed between
 *   `warmupSeconds` and `warmupSeconds + durationSeconds`, then reports and exits;
 * - `subscribe`: opens `connections`, subscribes each to `FANOUT_CHANNEL`, reports, then records when each
 *   publication arrives (`sharedNow()` first thing in the message handler) until it has every publication on
 *   every subscriber (or `maxSeconds`), reports and exits (with `stayOpen`, holds its connections instead).
 *
 * "Authenticated" is the first moment the client knows the server accepted its credential: the `connected`
 * frame on Lift, Socket.IO's `connect` event (its CONNECT packet, sent after the middleware), and `open` on raw
 * ws (no credential).
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { WebSocket } from 'ws';
import {
  CLIENT_MARKER,
  type ClientReport,
  type ClientSettings,
  FANOUT_CHANNEL,
  latencyBucket,
  loopbackAddress,
  type PublicationData,
  percentile,
  sharedNow,
} from './realtime-protocol.ts';

interface Connection {
  /** Subscribes to the fan-out channel; `onPublication` gets the receive time and the raw frame. */
  subscribe(): Promise<void>;
  close(): void;
  /** Resolves when the server or the network ends the connection. */
  readonly ended: Promise<void>;
  /** Whether the server accepted permessage-deflate. */
  readonly deflate: boolean;
}

type OnFrame = (receivedAt: number, data: string | PublicationData) => void;

const settings = JSON.parse(process.argv[2] ?? '{}') as ClientSettings;
const HANDSHAKE_TIMEOUT_MS = 20_000;

function report(value: ClientReport): void {
  process.stdout.write(`${CLIENT_MARKER} ${JSON.stringify(value)}\n`);
}

async function fetchTokens(): Promise<string[]> {
  const url = `${settings.controlUrl}/tokens?from=${settings.tokenFrom}&count=${settings.tokenCount}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`tokens: ${response.status}`);
  return (await response.text()).split('\n');
}

/** A `ws` connection to raw ws or Lift; resolves once authenticated (see the file comment). */
function connectWs(token: string, localAddress: string, onFrame: OnFrame): Promise<Connection> {
  const lift = settings.kind === 'lift';
  const protocols = lift ? ['lift.v1', `lift.bearer.${token}`] : [];
  const socket = new WebSocket(settings.url, protocols, {
    localAddress,
    perMessageDeflate: settings.perMessageDeflate ?? false,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let replied: (() => void) | undefined;
  return new Promise((resolve, reject) => {
    const connection: Connection = {
      subscribe: () =>
        new Promise<void>((done, fail) => {
          replied = done;
          void ended.then(() => fail(new Error('closed while subscribing')));
          socket.send(lift ? `{"type":"subscribe","id":1,"channel":"${FANOUT_CHANNEL}"}` : 'subscribe');
        }),
      close: () => socket.close(),
      ended,
      get deflate() {
        return socket.extensions.includes('permessage-deflate');
      },
    };
    let authenticated = !lift;
    socket.on('message', (raw) => {
      const receivedAt = sharedNow();
      const text = raw.toString();
      if (!authenticated) {
        authenticated = true;
        resolve(connection);
        return;
      }
      if (text.startsWith('{"type":"reply"')) {
        replied?.();
        replied = undefined;
        return;
      }
      onFrame(receivedAt, text);
    });
    if (!lift) socket.once('open', () => resolve(connection));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`refused: ${response.statusCode}`));
      socket.terminate();
    });
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed before authenticated: ${code}`)));
  });
}

function connectSocketIo(token: string, localAddress: string, onFrame: OnFrame): Promise<Connection> {
  // engine.io-client hands `localAddress` on to `ws`; its types do not list it. It offers permessage-deflate
  // (engine.io-client's default, compressing messages from 1 KiB); the server accepts it only in the
  // compression measurement (off is Socket.IO's default).
  const options: Partial<ManagerOptions & SocketOptions> & { localAddress: string } = {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: HANDSHAKE_TIMEOUT_MS,
    localAddress,
  };
  const socket: Socket = io(settings.url, options);
  const ended = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
  socket.on('publication', (data: PublicationData) => onFrame(sharedNow(), data));
  return new Promise((resolve, reject) => {
    socket.once('connect', () =>
      resolve({
        subscribe: () =>
          new Promise<void>((done, fail) => {
            void ended.then(() => fail(new Error('closed while subscribing')));
            socket.emit('subscribe', FANOUT_CHANNEL, () => done());
          }),
        close: () => socket.disconnect(),
        ended,
        // engine.io-client's WebSocket transport keeps its `ws` socket as `ws`; its types do not list it.
        deflate:
          (socket.io.engine.transport as unknown as { ws?: WebSocket }).ws?.extensions.includes(
            'permessage-deflate',
          ) ?? false,
      }),
    );
    socket.once('connect_error', (error) => {
      reject(error);
      socket.close();
    });
  });
}

function connect(index: number, tokens: string[], onFrame: OnFrame = () => {}): Promise<Connection> {
  const token = tokens[index % tokens.length] ?? '';
  const address = loopbackAddress(settings.addressBlock, Math.floor(index / settings.connectionsPerAddress));
  return settings.kind === 'socketio'
    ? connectSocketIo(token, address, onFrame)
    : connectWs(token, address, onFrame);
}

/** Opens `count` connections, `concurrency` at a time; `prepare` runs on each once open. */
async function openMany(
  count: number,
  tokens: string[],
  onFrame: OnFrame,
  prepare: (connection: Connection) => Promise<void> = async () => {},
): Promise<{ connections: Connection[]; failed: number; firstError: string | null }> {
  const connections: Connection[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      try {
        const connection = await connect(index, tokens, onFrame);
        await prepare(connection);
        connections.push(connection);
      } catch (error) {
        failed++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, count) }, worker));
  return { connections, failed, firstError };
}

async function hold(tokens: string[]): Promise<void> {
  const started = performance.now();
  const { connections, failed, firstError } = await openMany(settings.connections, tokens, () => {});
  report({
    event: 'opened',
    opened: connections.length,
    failed,
    firstError,
    seconds: (performance.now() - started) / 1000,
  });
  // Held until the parent stops this process (or maxSeconds ends it).
  await new Promise(() => {});
}

async function churn(tokens: string[]): Promise<void> {
  report({ event: 'ready' });
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const started = performance.now();
  const countFrom = started + settings.warmupSeconds * 1000;
  const stopAt = countFrom + settings.durationSeconds * 1000;
  const times: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  let index = 0;
  const loop = async () => {
    while (performance.now() < stopAt) {
      const begin = performance.now();
      try {
        const connection = await connect(index++, tokens);
        const end = performance.now();
        connection.close();
        await connection.ended;
        if (begin >= countFrom && end <= stopAt) times.push(end - begin);
      } catch (error) {
        if (begin >= countFrom) failed++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, loop));
  times.sort((a, b) => a - b);
  report({
    event: 'churned',
    handshakes: times.length,
    failed,
    firstError,
    seconds: settings.durationSeconds,
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
  });
  process.exit(0);
}

async function subscribe(tokens: string[]): Promise<void> {
  const perPublication = new Map<number, { deliveries: number; lastMs: number }>();
  const histogram = new Map<number, number>();
  let otherFrames = 0;
  let expected = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onFrame: OnFrame = (receivedAt, frame) => {
    let data: PublicationData;
    if (typeof frame === 'string') {
      if (!frame.startsWith('{"type":"publication"')) {
        otherFrames++;
        return;
      }
      data = (JSON.parse(frame) as { data: PublicationData }).data;
    } else {
      data = frame;
    }
    const latency = receivedAt - data.t0;
    const entry = perPublication.get(data.seq) ?? { deliveries: 0, lastMs: 0 };
    entry.deliveries++;
    entry.lastMs = Math.max(entry.lastMs, latency);
    perPublication.set(data.seq, entry);
    if (data.seq > settings.warmupPublications) {
      const bucket = latencyBucket(latency);
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
    }
    if (--expected === 0) finish();
  };
  const started = performance.now();
  let closed = 0;
  let subscribing = true;
  const { connections, failed, firstError } = await openMany(
    settings.connections,
    tokens,
    onFrame,
    async (connection) => {
      await connection.subscribe();
      void connection.ended.then(() => {
        closed++;
        if (subscribing) return;
        expected -= settings.publications;
        if (expected <= 0) finish();
      });
    },
  );
  subscribing = false;
  expected = (connections.length - closed) * settings.publications;
  report({
    event: 'subscribed',
    subscribed: connections.length - closed,
    failed,
    firstError,
    closedWhileSubscribing: closed,
    seconds: (performance.now() - started) / 1000,
    otherFrames,
    deflated: connections.filter((connection) => connection.deflate).length,
  });
  if (expected > 0) await finished;
  report({
    event: 'latencies',
    perPublication: [...perPublication].map(([seq, entry]) => ({ seq, ...entry })),
    histogram: [...histogram].sort((a, b) => a[0] - b[0]),
    closed,
  });
  // Held until the parent stops this process (or maxSeconds ends it).
  if (settings.stayOpen) await new Promise(() => {});
  process.exit(0);
}

setTimeout(() => process.exit(2), settings.maxSeconds * 1000).unref();
// The parent's stdin pipe closes when it dies: leave then too.
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
const tokens = await fetchTokens();
if (settings.mode === 'hold') await hold(tokens);
else if (settings.mode === 'churn') await churn(tokens);
else await subscribe(tokens);
