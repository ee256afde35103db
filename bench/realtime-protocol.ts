/**
 * What `bench/realtime.ts` shares with its server child (realtime-server.ts) and its client children
 * (realtime-client.ts): the server kinds, the client settings, the result lines clients print (a marker and
 * JSON) and the shared clock publications are timed with.
 */

export type ServerKind = 'ws' | 'socketio' | 'lift';
export const SERVER_KINDS: readonly ServerKind[] = ['ws', 'socketio', 'lift'];

export const SERVER_LABELS: Record<ServerKind, string> = {
  ws: 'raw ws, no auth',
  socketio: 'Socket.IO 4 + JWT (jose, EdDSA)',
  lift: 'Lift gateway (bearer, EdDSA)',
};

/** The channel every fan-out subscriber joins (a bench namespace that any authenticated principal may subscribe to). */
export const FANOUT_CHANNEL = 'bench:fanout';
/** Issuer and audience of every token, for every server. */
export const ISSUER = 'https://realtime.bench.example';
/** Starts a client child's result line; the JSON of a `ClientReport` follows after one space. */
export const CLIENT_MARKER = 'BENCH_REALTIME_CLIENT';

/**
 * One clock for every process on the machine: milliseconds since the epoch at sub-millisecond resolution, from
 * the process's time origin plus its monotonic clock.
 */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A loopback address of its own for a connection: `127.<block>.x.y`. Lift limits connection attempts per client
 * address (20 a minute by default), so thousands of connections come from thousands of addresses, as they would
 * from real clients; the peers get the same addresses.
 */
export function loopbackAddress(block: number, index: number): string {
  const slot = index % (256 * 254);
  return `127.${block}.${Math.floor(slot / 254)}.${(slot % 254) + 1}`;
}

/** What a server child reports on its control port (`GET /stats`). */
export interface ServerStats {
  rss: number;
  heapUsed: number;
  external: number;
  /** User + system CPU of the process since it started (µs), and the system part of it. */
  cpuMicros: number;
  systemMicros: number;
  /** Open connections as the server counts them. */
  connections: number;
}

export type ClientMode = 'hold' | 'churn' | 'subscribe';

/** A client child's settings: one JSON argument. */
export interface ClientSettings {
  kind: ServerKind;
  mode: ClientMode;
  /** `ws://127.0.0.1:<port>/<path>` (the Socket.IO client takes the http:// origin). */
  url: string;
  /** The server child's control port, where the client fetches its tokens. */
  controlUrl: string;
  /** Which tokens: `[tokenFrom, tokenFrom + tokenCount)`. */
  tokenFrom: number;
  tokenCount: number;
  /** Second octet of the client's loopback addresses. */
  addressBlock: number;
  /** Connections per address before the next one is used. */
  connectionsPerAddress: number;
  /** Connections to open (hold, subscribe). */
  connections: number;
  /** Handshakes in flight at once. */
  concurrency: number;
  /**
   * churn: starts when a line arrives on stdin (so every client and the parent's CPU sample share one window);
   * handshakes before `warmupSeconds` are not counted; counting stops after `durationSeconds` more.
   */
  warmupSeconds: number;
  durationSeconds: number;
  /** subscribe: publications expected; the first `warmupPublications` are left out of the histogram. */
  publications: number;
  warmupPublications: number;
  /** The child exits by itself after this long, whatever happens. */
  maxSeconds: number;
  /**
   * raw ws and Lift: offer permessage-deflate with `ws`'s defaults, as a browser does (default false: the server
   * never gets the offer). Socket.IO's client offers it whatever this says (engine.io-client's default).
   */
  perMessageDeflate?: boolean;
  /**
   * subscribe: keep every connection open after the latencies report, until the parent stops this process, so
   * the parent can read the server's memory with them still open (default false: exit after the report).
   */
  stayOpen?: boolean;
}

export interface HoldReport {
  event: 'opened';
  opened: number;
  failed: number;
  firstError: string | null;
  seconds: number;
}

/** churn: tokens fetched; the client starts when the parent writes a line to its stdin. */
export interface ReadyReport {
  event: 'ready';
}

export interface ChurnReport {
  event: 'churned';
  handshakes: number;
  failed: number;
  firstError: string | null;
  seconds: number;
  /** Handshake time (connect → authenticated), ms: p50 and p99 of those counted. */
  p50Ms: number;
  p99Ms: number;
}

export interface SubscribedReport {
  event: 'subscribed';
  /** Subscribed and still open. */
  subscribed: number;
  failed: number;
  firstError: string | null;
  /** Subscribed, then closed by the server before every subscriber was in (Lift: missed heartbeats). */
  closedWhileSubscribing: number;
  seconds: number;
  /** Frames received while subscribing that were not replies (presence joins, on Lift). */
  otherFrames: number;
  /** Connections that subscribed and whose server accepted permessage-deflate. */
  deflated: number;
}

export interface LatencyReport {
  event: 'latencies';
  /** Per publication (by sequence number): deliveries on this child, and the latest delivery's latency (ms). */
  perPublication: Array<{ seq: number; deliveries: number; lastMs: number }>;
  /** Every delivery's latency after the warm-up publications, as `latencyBucket`s: [bucket, count] pairs. */
  histogram: Array<[number, number]>;
  /** Subscribers closed by the server before the end. */
  closed: number;
}

export type ClientReport = ReadyReport | HoldReport | ChurnReport | SubscribedReport | LatencyReport;

/** The body of one publication: its sequence number and when `publish()` was called (`sharedNow()`). */
export interface PublicationData {
  seq: number;
  t0: number;
  /** `POST /publish?bytes=` only: records that make the publication at least that large. */
  items?: FillerItem[];
}

/** One record of a large publication: what an app sends (repeated keys, varied values), so deflate has real work. */
export interface FillerItem {
  id: number;
  name: string;
  status: string;
  score: number;
}

/** Every result line a client child has printed so far. */
export function clientReports(stdout: string): ClientReport[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`${CLIENT_MARKER} `))
    .map((line) => JSON.parse(line.slice(CLIENT_MARKER.length + 1)) as ClientReport);
}

/** The value at `fraction` (0–1) of an ascending array. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)]!;
}

/**
 * Latency histogram buckets 1 % wide (of 1 + ms), so a client's report stays a few kilobytes however widely
 * its latencies spread (the parent reads the tail of each child's stdout).
 */
const BUCKET_GROWTH = Math.log(1.01);

export function latencyBucket(ms: number): number {
  return Math.round(Math.log1p(Math.max(0, ms)) / BUCKET_GROWTH);
}

export function bucketLatency(bucket: number): number {
  return Math.expm1(bucket * BUCKET_GROWTH);
}
