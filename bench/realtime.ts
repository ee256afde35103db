/**
 * `bench/realtime.ts`: Lift's realtime gateway against raw `ws` (no auth, the floor) and Socket.IO 4 (a JWT
 * check in `io.use()`), same run, same machine. Five measurements, each with a fresh server process per kind
 * (realtime-server.ts) and clients in child processes (realtime-client.ts):
 *
 * 1. idle authenticated connections: RSS per connection, (after − before) / N, heartbeats on;
 * 2. authenticated handshakes per second (connect → authenticated → close, many in flight), and the server's
 *    CPU per handshake;
 * 3. one publication to 10,000 subscribers on one node: publish() → last delivery, over repeated publications;
 * 4. across two nodes over loopback Redis: publish() on one node → delivery on the other;
 * 5. what permessage-deflate costs per connection: RSS per subscribed connection with compression off and on,
 *    idle and after a few large publications.
 *
 * Servers run on CPU 0 and clients on CPU 1 when pinning is on (harness/pinning.ts). `--quick` is a smoke run
 * with small numbers (nothing is written); `--cpu-prof=<dir>` profiles the servers;
 * `--only=memory,handshakes,fanout,crossnode,compression` and `--servers=ws,socketio,lift` narrow a run.
 * Results: `results/realtime.md`. README.md's `realtime` section says what each number means.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { type Child, startChild, stopChildrenOnExit } from './harness/children.ts';
import { findFreePort } from './harness/free-port.ts';
import { withoutLiftVariables } from './harness/lift-environment.ts';
import { PIN, pinned } from './harness/pinning.ts';
import { withTimeout } from './harness/timeout.ts';
import {
  bucketLatency,
  type ClientReport,
  type ClientSettings,
  clientReports,
  type LatencyReport,
  SERVER_KINDS,
  type ServerKind,
  type ServerStats,
} from './realtime-protocol.ts';
import {
  type CompressionResult,
  type CrossNodeResult,
  type FanoutResult,
  type HandshakeResult,
  type Measurements,
  type MemoryResult,
  printReport,
  writeReport,
} from './realtime-report.ts';

const BENCH_DIR = resolve(import.meta.dirname);
const ROOT = resolve(BENCH_DIR, '..');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const flag = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const MEASUREMENTS = ['memory', 'handshakes', 'fanout', 'crossnode', 'compression'];
const only = new Set(flag('only')?.split(',') ?? MEASUREMENTS);
/** `--cpu-prof=<dir>`: every server process writes a V8 CPU profile there when it exits. */
const cpuProfileDir = flag('cpu-prof');
const kinds = (flag('servers')?.split(',') as ServerKind[] | undefined) ?? [...SERVER_KINDS];

/** Everything the run does, full and `--quick`. */
const SETTINGS = {
  clientProcesses: 4,
  memory: {
    connections: Number(flag('connections') ?? (quick ? 1_000 : 18_000)),
    concurrency: quick ? 20 : 100,
    connectionsPerAddress: 10,
    /** Longer than one ping interval (25 s on every server), so the heartbeat state is in the measurement. */
    settleSeconds: quick ? 2 : 30,
  },
  handshakes: {
    concurrency: quick ? 8 : 32,
    /** Distinct tokens per client process: 4 × 4,000 > Lift's verified-token cache (10,000), so no hits. */
    tokensPerProcess: 4_000,
    warmupSeconds: quick ? 1 : 3,
    durationSeconds: quick ? 3 : 10,
  },
  fanout: {
    subscribers: Number(flag('subscribers') ?? (quick ? 400 : 10_000)),
    concurrency: quick ? 20 : 50,
    warmupPublications: quick ? 2 : 10,
    publications: quick ? 20 : 70,
    /** Longer than a delivery to every subscriber takes here, so publications do not queue behind each other. */
    intervalMs: quick ? 300 : 1_000,
  },
  crossNode: {
    subscribers: quick ? 10 : 100,
    warmupPublications: quick ? 5 : 20,
    publications: quick ? 50 : 520,
    intervalMs: 20,
  },
  compression: {
    connections: Number(flag('deflate-connections') ?? (quick ? 200 : 2_000)),
    concurrency: quick ? 20 : 50,
    /** Enough for every connection's deflate stream to exist and to have compressed more than once. */
    publications: 5,
    /** Well above the 1 KiB threshold of every server, so every publication is compressed. */
    publicationBytes: 4 * 1024,
    intervalMs: 200,
    /** After subscribing (Lift's presence announcements still in flight) and after the publications. */
    settleSeconds: quick ? 1 : 5,
  },
} as const;

const SERVER_START_MS = 60_000;
/** Subscribing must be done by then (on Lift every subscribe is announced to every subscriber: N² frames). */
const SUBSCRIBE_TIMEOUT_MS = 600_000;

interface RunningServer {
  kind: ServerKind;
  child: Child;
  url: string;
  controlUrl: string;
  stats(gc?: boolean): Promise<ServerStats>;
  close(): Promise<void>;
}

function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** How a server differs from the defaults. */
interface ServerOptions {
  /** Across nodes: the Redis both nodes share, and their key prefix. */
  redis?: { url: string; prefix: string };
  /** Lift only: config sections that replace the defaults' (`BENCH_LIFT_CONFIG`). */
  liftConfig?: Record<string, unknown>;
  /** raw ws and Socket.IO only: permessage-deflate as Lift's gateway sets it (`BENCH_DEFLATE`). */
  deflate?: boolean;
}

async function startServer(kind: ServerKind, options: ServerOptions = {}): Promise<RunningServer> {
  const { redis, liftConfig, deflate = false } = options;
  const [port, controlPort] = [await findFreePort(), await findFreePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-realtime-'));
  const entry = pinned(0, process.execPath, [
    '--expose-gc',
    ...(cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfileDir)}`]),
    '--import',
    'tsx',
    join(BENCH_DIR, 'realtime-server.ts'),
  ]);
  const child = startChild({
    name: `${kind} server`,
    ...entry,
    cwd: ROOT,
    env: {
      ...withoutLiftVariables(),
      BENCH_KIND: kind,
      BENCH_PORT: String(port),
      BENCH_CONTROL_PORT: String(controlPort),
      BENCH_DATA_DIR: dataDir,
      ...(redis === undefined ? {} : { BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: redis.prefix }),
      ...(liftConfig === undefined ? {} : { BENCH_LIFT_CONFIG: JSON.stringify(liftConfig) }),
      ...(deflate ? { BENCH_DEFLATE: '1' } : {}),
    },
  });
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  const stats = async (gc = false) => {
    const response = await fetch(`${controlUrl}/stats${gc ? '?gc=1' : ''}`);
    return (await response.json()) as ServerStats;
  };
  const deadline = Date.now() + SERVER_START_MS;
  for (;;) {
    if (child.hasExited())
      throw new Error(`${kind} server exited (${await child.exited}): ${child.stderrTail()}`);
    if (Date.now() > deadline) throw new Error(`${kind} server did not start within 60 s`);
    try {
      await stats();
      break;
    } catch {
      await sleep(100);
    }
  }
  const url =
    kind === 'socketio'
      ? `http://127.0.0.1:${port}`
      : kind === 'lift'
        ? `ws://127.0.0.1:${port}/ws`
        : `ws://127.0.0.1:${port}/`;
  return {
    kind,
    child,
    url,
    controlUrl,
    stats,
    async close() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function startClient(
  server: RunningServer,
  index: number,
  settings: Omit<ClientSettings, 'kind' | 'url' | 'controlUrl'>,
): Child {
  const full: ClientSettings = {
    kind: server.kind,
    url: server.url,
    controlUrl: server.controlUrl,
    ...settings,
  };
  return startChild({
    name: `${server.kind} client ${index}`,
    ...pinned(1, process.execPath, [
      '--import',
      'tsx',
      join(BENCH_DIR, 'realtime-client.ts'),
      JSON.stringify(full),
    ]),
    cwd: ROOT,
  });
}

/** The client's report of `event`, once printed; fails if the client exits first or `timeoutMs` passes. */
async function reportOf<E extends ClientReport['event']>(
  child: Child,
  event: E,
  timeoutMs: number,
): Promise<Extract<ClientReport, { event: E }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = clientReports(child.stdout()).find((report) => report.event === event);
    if (found !== undefined) return found as Extract<ClientReport, { event: E }>;
    if (child.hasExited()) {
      throw new Error(`${child.name} exited without "${event}": ${child.stderrTail().slice(-2_000)}`);
    }
    if (Date.now() > deadline) throw new Error(`${child.name}: no "${event}" within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Splits `total` over `parts` as evenly as whole numbers go. */
function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

const BASE = {
  warmupSeconds: 0,
  durationSeconds: 0,
  publications: 0,
  warmupPublications: 0,
};

/**
 * Warms up the handshake path (Lift builds its gateway on the first upgrade), so a memory measurement starts
 * from there: 2 s of handshakes, then a second's rest.
 */
async function warmUp(server: RunningServer, perMessageDeflate = false): Promise<void> {
  const warm = startClient(server, 99, {
    ...BASE,
    mode: 'churn',
    tokenFrom: 1_000_000,
    tokenCount: 200,
    addressBlock: 250,
    connectionsPerAddress: 1,
    connections: 0,
    concurrency: 4,
    durationSeconds: 2,
    maxSeconds: 60,
    perMessageDeflate,
  });
  await reportOf(warm, 'ready', 60_000);
  warm.process.stdin?.write('go\n');
  await reportOf(warm, 'churned', 60_000);
  await warm.stop();
  await sleep(1_000);
}

async function measureMemory(kind: ServerKind): Promise<MemoryResult> {
  const { connections, concurrency, connectionsPerAddress, settleSeconds } = SETTINGS.memory;
  const server = await startServer(kind);
  try {
    await warmUp(server);
    // A fresh server's RSS keeps falling for a while after start; "before" waits until it holds still.
    const before = await settledStats(server);
    const perProcess = shares(connections, SETTINGS.clientProcesses);
    const started = performance.now();
    const clients = perProcess.map((count, i) =>
      startClient(server, i, {
        ...BASE,
        mode: 'hold',
        tokenFrom: i * connections,
        tokenCount: count,
        addressBlock: 10 + i,
        connectionsPerAddress,
        connections: count,
        concurrency,
        maxSeconds: 900,
      }),
    );
    const opened = await Promise.all(clients.map((client) => reportOf(client, 'opened', 600_000)));
    const openSeconds = (performance.now() - started) / 1000;
    note(
      `${kind}: ${connections} connections open in ${openSeconds.toFixed(1)} s; holding ${settleSeconds} s`,
    );
    await sleep(settleSeconds * 1000);
    const after = await server.stats(true);
    await Promise.all(clients.map((client) => client.stop()));
    return {
      kind,
      opened: opened.reduce((sum, report) => sum + report.opened, 0),
      failed: opened.reduce((sum, report) => sum + report.failed, 0),
      firstError: opened.find((report) => report.firstError !== null)?.firstError ?? null,
      serverCounted: after.connections,
      before,
      after,
      openSeconds,
    };
  } finally {
    await server.close();
  }
}

/**
 * Diagnostic Lift rows after the main ones: what the defaults on the handshake path cost (the limits store on
 * SQL, and the events' outbox there too, then also the access line per upgrade).
 */
const LIFT_DIAGNOSTICS: ReadonlyArray<{ label: string; config: Record<string, unknown> }> = [
  { label: 'Lift, storage.kv = memory: (not default)', config: { storage: { kv: 'memory:' } } },
  {
    label: 'Lift, kv memory: + access log off (not default)',
    config: { storage: { kv: 'memory:' }, http: { accessLog: { enabled: false } } },
  },
];

async function measureHandshakes(
  kind: ServerKind,
  variant?: { label: string; config: Record<string, unknown> },
): Promise<HandshakeResult> {
  const { concurrency, tokensPerProcess, warmupSeconds, durationSeconds } = SETTINGS.handshakes;
  const server = await startServer(kind, { liftConfig: variant?.config });
  try {
    const clients = Array.from({ length: SETTINGS.clientProcesses }, (_, i) =>
      startClient(server, i, {
        ...BASE,
        mode: 'churn',
        tokenFrom: i * tokensPerProcess,
        tokenCount: tokensPerProcess,
        addressBlock: 100 + i,
        connectionsPerAddress: 1,
        connections: 0,
        concurrency,
        warmupSeconds,
        durationSeconds,
        maxSeconds: 300,
      }),
    );
    // Every client has its tokens before any starts: issuing them is not part of the window.
    await Promise.all(clients.map((client) => reportOf(client, 'ready', 120_000)));
    for (const client of clients) client.process.stdin?.write('go\n');
    await sleep(warmupSeconds * 1000);
    const from = await server.stats();
    await sleep(durationSeconds * 1000);
    const to = await server.stats();
    const reports = await Promise.all(clients.map((client) => reportOf(client, 'churned', 60_000)));
    return {
      kind,
      ...(variant === undefined ? {} : { label: variant.label }),
      handshakes: reports.reduce((sum, report) => sum + report.handshakes, 0),
      failed: reports.reduce((sum, report) => sum + report.failed, 0),
      firstError: reports.find((report) => report.firstError !== null)?.firstError ?? null,
      seconds: durationSeconds,
      serverCpuMicros: to.cpuMicros - from.cpuMicros,
      serverSystemMicros: to.systemMicros - from.systemMicros,
      p50Ms: Math.max(...reports.map((report) => report.p50Ms)),
      p99Ms: Math.max(...reports.map((report) => report.p99Ms)),
    };
  } finally {
    await server.close();
  }
}

/** Subscribers on `subscriberNode`, publications from `publisherNode`; latencies merged over the clients. */
async function measureDelivery(
  publisherNode: RunningServer,
  subscriberNode: RunningServer,
  options: {
    subscribers: number;
    processes: number;
    concurrency: number;
    warmupPublications: number;
    publications: number;
    intervalMs: number;
  },
): Promise<FanoutResult> {
  const kind = subscriberNode.kind;
  const perProcess = shares(options.subscribers, options.processes);
  const started = performance.now();
  const clients = perProcess.map((count, i) =>
    startClient(subscriberNode, i, {
      ...BASE,
      mode: 'subscribe',
      tokenFrom: i * options.subscribers,
      tokenCount: count,
      addressBlock: 30 + i,
      connectionsPerAddress: 10,
      connections: count,
      concurrency: options.concurrency,
      publications: options.publications,
      warmupPublications: options.warmupPublications,
      maxSeconds: 1_500,
    }),
  );
  const subscribed = await Promise.all(
    clients.map((client) => reportOf(client, 'subscribed', SUBSCRIBE_TIMEOUT_MS)),
  );
  const subscribeSeconds = (performance.now() - started) / 1000;
  const total = subscribed.reduce((sum, report) => sum + report.subscribed, 0);
  note(`${kind}: ${total} subscribed in ${subscribeSeconds.toFixed(1)} s; publishing`);
  await sleep(1_000);
  // The delivering node's CPU over the publications: what one publication costs the server, apart from the
  // clients' side of the latency (four client processes on one core).
  const cpuBefore = await subscriberNode.stats();
  const publishing = fetch(
    `${publisherNode.controlUrl}/publish?count=${options.publications}&intervalMs=${options.intervalMs}`,
    { method: 'POST' },
  );
  const latencies = await Promise.all(
    clients.map((client) =>
      reportOf(client, 'latencies', options.publications * options.intervalMs + 120_000),
    ),
  );
  const published = (await (await publishing).json()) as { failed: number };
  const cpuAfter = await subscriberNode.stats();
  await Promise.all(clients.map((client) => client.stop()));
  return {
    kind,
    serverCpuMsPerPublication:
      (cpuAfter.cpuMicros - cpuBefore.cpuMicros) / 1000 / (options.warmupPublications + options.publications),
    subscribers: total,
    failed: subscribed.reduce((sum, report) => sum + report.failed, 0),
    firstError: subscribed.find((report) => report.firstError !== null)?.firstError ?? null,
    closedWhileSubscribing: subscribed.reduce((sum, report) => sum + report.closedWhileSubscribing, 0),
    subscribeSeconds,
    otherFrames: subscribed.reduce((sum, report) => sum + report.otherFrames, 0),
    publishFailures: published.failed,
    ...mergeLatencies(latencies, options.warmupPublications, total, options.publications),
  };
}

/** Per publication, the last delivery over every client; every delivery's latency from the histograms. */
function mergeLatencies(
  reports: LatencyReport[],
  warmup: number,
  subscribers: number,
  publications: number,
): Pick<FanoutResult, 'lastMs' | 'deliveryMs' | 'incomplete' | 'closed' | 'publications'> {
  const bySeq = new Map<number, { deliveries: number; lastMs: number }>();
  for (const report of reports) {
    for (const { seq, deliveries, lastMs } of report.perPublication) {
      const entry = bySeq.get(seq) ?? { deliveries: 0, lastMs: 0 };
      entry.deliveries += deliveries;
      entry.lastMs = Math.max(entry.lastMs, lastMs);
      bySeq.set(seq, entry);
    }
  }
  const counted = [...bySeq].filter(([seq]) => seq > warmup);
  const lastMs = counted.map(([, entry]) => entry.lastMs).sort((a, b) => a - b);
  const incomplete = counted.filter(([, entry]) => entry.deliveries < subscribers).length;
  const buckets = new Map<number, number>();
  for (const report of reports) {
    for (const [bucket, count] of report.histogram) buckets.set(bucket, (buckets.get(bucket) ?? 0) + count);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const all = sorted.reduce((sum, [, count]) => sum + count, 0);
  const deliveryAt = (fraction: number) => {
    let seen = 0;
    for (const [bucket, count] of sorted) {
      seen += count;
      if (seen >= all * fraction) return bucketLatency(bucket);
    }
    return Number.NaN;
  };
  return {
    publications: publications - warmup,
    lastMs,
    deliveryMs: { p50: deliveryAt(0.5), p99: deliveryAt(0.99) },
    incomplete: incomplete + (publications - warmup - counted.length),
    closed: reports.reduce((sum, report) => sum + report.closed, 0),
  };
}

async function measureFanout(kind: ServerKind): Promise<FanoutResult> {
  const server = await startServer(kind);
  try {
    return await measureDelivery(server, server, {
      ...SETTINGS.fanout,
      processes: SETTINGS.clientProcesses,
    });
  } finally {
    await server.close();
  }
}

async function removePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function measureCrossNode(kind: ServerKind, redisUrl: string): Promise<CrossNodeResult> {
  if (kind === 'socketio') {
    return { kind, skipped: 'needs @socket.io/redis-adapter, which is not installed' };
  }
  const prefix = `bench-realtime:${process.pid}-${randomBytes(4).toString('hex')}:`;
  const [publisher, subscriber] = [
    await startServer(kind, { redis: { url: redisUrl, prefix } }),
    await startServer(kind, { redis: { url: redisUrl, prefix } }),
  ];
  try {
    return await measureDelivery(publisher, subscriber, {
      ...SETTINGS.crossNode,
      processes: 1,
      concurrency: 10,
    });
  } finally {
    await Promise.all([publisher.close(), subscriber.close()]);
    await removePrefix(redisUrl, prefix);
  }
}

/**
 * The server's memory once its RSS has stopped falling. A freshly started server gives pages back for many
 * seconds (raw ws's: ~45 MiB over its first 15 s, idle), which would otherwise count against the connections
 * opened after it: readings every 2 s (after GCs) until those of the last 10 s lie within 1 MiB, or 40 s.
 */
async function settledStats(server: RunningServer): Promise<ServerStats> {
  const readings = [await server.stats(true)];
  const deadline = Date.now() + 40_000;
  for (;;) {
    await sleep(2_000);
    readings.push(await server.stats(true));
    const recent = readings.slice(-6).map((reading) => reading.rss);
    const steady = recent.length === 6 && Math.max(...recent) - Math.min(...recent) < 2 ** 20;
    if (steady || Date.now() > deadline) return readings.at(-1)!;
  }
}

/** permessage-deflate on, each server its own way: Lift through its config, the peers with the same options. */
function compressionOn(kind: ServerKind): ServerOptions {
  return kind === 'lift'
    ? { liftConfig: { realtime: { compression: { enabled: true } } } }
    : { deflate: true };
}

/** What compression costs per connection: the same clients against the server with it off, then on. */
async function measureCompression(kind: ServerKind): Promise<CompressionResult[]> {
  return [await measureDeflateMemory(kind, false), await measureDeflateMemory(kind, true)];
}

/**
 * The server's memory before its subscribers, once they are subscribed and idle, and after large publications
 * to all of them (with compression on, every connection has compressed by then, so each has its deflate
 * stream). The clients offer permessage-deflate either way, and hold their connections until the last reading.
 */
async function measureDeflateMemory(kind: ServerKind, compression: boolean): Promise<CompressionResult> {
  const { connections, concurrency, publications, publicationBytes, intervalMs, settleSeconds } =
    SETTINGS.compression;
  const server = await startServer(kind, compression ? compressionOn(kind) : {});
  const clients: Child[] = [];
  try {
    await warmUp(server, true);
    const before = await settledStats(server);
    for (const [i, count] of shares(connections, SETTINGS.clientProcesses).entries()) {
      clients.push(
        startClient(server, i, {
          ...BASE,
          mode: 'subscribe',
          tokenFrom: i * connections,
          tokenCount: count,
          addressBlock: 50 + i,
          connectionsPerAddress: 10,
          connections: count,
          concurrency,
          publications,
          maxSeconds: 1_500,
          perMessageDeflate: true,
          stayOpen: true,
        }),
      );
    }
    const subscribed = await Promise.all(
      clients.map((client) => reportOf(client, 'subscribed', SUBSCRIBE_TIMEOUT_MS)),
    );
    const total = subscribed.reduce((sum, report) => sum + report.subscribed, 0);
    note(
      `${kind}, compression ${compression ? 'on' : 'off'}: ${total} subscribed; settling, then publishing`,
    );
    await sleep(settleSeconds * 1000);
    const idle = await server.stats(true);
    const response = await fetch(
      `${server.controlUrl}/publish?count=${publications}&intervalMs=${intervalMs}&bytes=${publicationBytes}`,
      { method: 'POST' },
    );
    const published = (await response.json()) as { failed: number };
    // Every delivery arrived: every compression is done, and no frame waits in a send queue.
    const latencies = await Promise.all(clients.map((client) => reportOf(client, 'latencies', 120_000)));
    await sleep(settleSeconds * 1000);
    const after = await server.stats(true);
    return {
      kind,
      compression,
      subscribed: total,
      failed: subscribed.reduce((sum, report) => sum + report.failed, 0),
      firstError: subscribed.find((report) => report.firstError !== null)?.firstError ?? null,
      deflated: subscribed.reduce((sum, report) => sum + report.deflated, 0),
      serverCounted: after.connections,
      publishFailures: published.failed,
      delivered: latencies
        .flatMap((report) => report.perPublication)
        .reduce((sum, entry) => sum + entry.deliveries, 0),
      expected: total * publications,
      before,
      idle,
      after,
    };
  } catch (error) {
    if (!server.child.hasExited()) throw error;
    throw new Error(
      `${String(error)}; the server had exited (${await server.child.exited}): ${server.child.stderrTail()}`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await server.close();
  }
}

async function redisUrlOrNull(): Promise<string | null> {
  const url = process.env.LIFT_BENCH_REDIS_URL || process.env.LIFT_TEST_REDIS_URL;
  if (!url) return null;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await withTimeout(
      redis.connect().then(() => redis.ping()),
      3_000,
      'Redis PING',
    );
    return url;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** Measures every kind in turn; a kind that fails is listed in the report and the others still run. */
async function eachKind<T>(what: string, measure: (kind: ServerKind) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const kind of kinds) {
    note(`\n${what}: ${kind}`);
    try {
      results.push(await measure(kind));
    } catch (error) {
      note(`${what}: ${kind} failed: ${String(error)}`);
      measurements.failures.push({ what, kind, error: String(error).slice(0, 400) });
    }
  }
  return results;
}

/** What is measured so far, to stderr, so a long run that dies later still shows its earlier tables. */
function progress(): void {
  note(`\n${printReport(measurements)}\n`);
}

stopChildrenOnExit();
note(`realtime bench${quick ? ' (quick)' : ''}: ${kinds.join(', ')}; pinning ${PIN ? 'on' : 'off'}`);
const measurements: Measurements = { quick, settings: SETTINGS, pinned: PIN, failures: [] };
if (only.has('memory')) {
  measurements.memory = await eachKind('idle connections', measureMemory);
  progress();
}
if (only.has('handshakes')) {
  measurements.handshakes = await eachKind('handshakes', (kind) => measureHandshakes(kind));
  if (kinds.includes('lift')) {
    for (const variant of LIFT_DIAGNOSTICS) {
      note(`\nhandshakes: ${variant.label}`);
      measurements.handshakes.push(await measureHandshakes('lift', variant));
    }
  }
  progress();
}
if (only.has('fanout')) {
  measurements.fanout = await eachKind('fan-out', measureFanout);
  progress();
}
if (only.has('crossnode')) {
  const redisUrl = await redisUrlOrNull();
  measurements.crossNode =
    redisUrl === null
      ? kinds.map((kind) => ({ kind, skipped: 'no Redis (LIFT_BENCH_REDIS_URL / LIFT_TEST_REDIS_URL)' }))
      : await eachKind('across nodes', (kind) => measureCrossNode(kind, redisUrl));
  progress();
}
if (only.has('compression')) {
  measurements.compression = (await eachKind('compression', measureCompression)).flat();
}
const report = printReport(measurements);
console.log(report);
if (!quick && MEASUREMENTS.every((name) => only.has(name)) && kinds.length === SERVER_KINDS.length) {
  writeReport(report);
  note('written: bench/results/realtime.md');
}
process.exit(0);
