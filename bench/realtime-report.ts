/**
 * The tables `bench/realtime.ts` prints and writes to `results/realtime.md`: one per measurement, each with the
 * ratio of every row to raw ws and to Socket.IO measured in the same run, and the targets' verdicts.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatInteger, formatRatio, machineLines, markdownTable, verdict } from './harness/report.ts';
import { percentile, SERVER_LABELS, type ServerKind, type ServerStats } from './realtime-protocol.ts';

export interface MemoryResult {
  kind: ServerKind;
  opened: number;
  failed: number;
  firstError: string | null;
  /** Open connections as the server counted them when `after` was taken. */
  serverCounted: number;
  before: ServerStats;
  after: ServerStats;
  openSeconds: number;
}

export interface HandshakeResult {
  kind: ServerKind;
  /** A diagnostic row's label (a Lift config that is not the default); main rows have none. */
  label?: string;
  handshakes: number;
  failed: number;
  firstError: string | null;
  seconds: number;
  /** Server CPU (user + system) over the counted window, and the system part. */
  serverCpuMicros: number;
  serverSystemMicros: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FanoutResult {
  kind: ServerKind;
  subscribers: number;
  failed: number;
  firstError: string | null;
  /** Subscribers the server closed before every subscriber was in. */
  closedWhileSubscribing: number;
  subscribeSeconds: number;
  /** Frames other than replies and publications the subscribers got (Lift: presence joins). */
  otherFrames: number;
  publishFailures: number;
  /** Publications counted (after the warm-up ones). */
  publications: number;
  /** publish() → last delivery, per counted publication, ascending (ms). */
  lastMs: number[];
  /** Every delivery's latency (ms). */
  deliveryMs: { p50: number; p99: number };
  /**
   * The delivering node's CPU (user + system, every thread) from the first publication to the last delivery,
   * per publication (ms): heartbeats of that time included.
   */
  serverCpuMsPerPublication: number;
  /** Counted publications that did not reach every subscriber. */
  incomplete: number;
  /** Subscribers the server closed during the run. */
  closed: number;
}

export type CrossNodeResult = FanoutResult | { kind: ServerKind; skipped: string };

/** One server with permessage-deflate off or on, and the same subscribers (which offer it either way). */
export interface CompressionResult {
  kind: ServerKind;
  compression: boolean;
  /** Subscribed connections, and those of them whose server accepted permessage-deflate. */
  subscribed: number;
  deflated: number;
  failed: number;
  firstError: string | null;
  /** Open connections as the server counted them when `after` was taken. */
  serverCounted: number;
  publishFailures: number;
  /** Large publications delivered over every subscriber, of subscribers × publications. */
  delivered: number;
  expected: number;
  /** Before the connections, once subscribed and idle, after the large publications (each after GCs). */
  before: ServerStats;
  idle: ServerStats;
  after: ServerStats;
}

export interface Measurements {
  quick: boolean;
  pinned: boolean;
  settings: unknown;
  memory?: MemoryResult[];
  handshakes?: HandshakeResult[];
  fanout?: FanoutResult[];
  crossNode?: CrossNodeResult[];
  compression?: CompressionResult[];
  /** Kinds whose measurement failed (the others' rows are still reported). */
  failures: Array<{ what: string; kind: ServerKind; error: string }>;
}

export const TARGETS = {
  /** Bytes of RSS per idle connection (8 KB). */
  memoryBytesPerConnection: 8 * 1024,
  handshakesPerSecond: 5_000,
  fanoutP99Ms: 50,
  crossNodeP99Ms: 10,
} as const;

const kb = (bytes: number) => (bytes / 1024).toFixed(2);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');

function rssPerConnection(result: MemoryResult): number {
  return (result.after.rss - result.before.rss) / Math.max(1, result.opened);
}

function heapPerConnection(result: MemoryResult): number {
  return (
    (result.after.heapUsed + result.after.external - result.before.heapUsed - result.before.external) /
    Math.max(1, result.opened)
  );
}

/** `value ÷ peer's value`, or — when the peer was not measured. */
function ratioTo<T extends { kind: ServerKind }>(
  rows: readonly T[],
  row: T,
  peer: ServerKind,
  value: (row: T) => number,
): string {
  const other = rows.find((candidate) => candidate.kind === peer);
  if (other === undefined || other === row) return '—';
  const ratio = value(row) / value(other);
  return Number.isFinite(ratio) ? formatRatio(ratio) : '—';
}

function memorySection(rows: MemoryResult[]): string[] {
  const table = markdownTable(
    [
      'server',
      'connections (server count)',
      'RSS before → after (MiB)',
      'RSS / connection (KB)',
      'heap + external / connection (KB)',
      'opened in (s)',
      '÷ raw ws',
      '÷ Socket.IO',
    ],
    rows.map((row) => [
      SERVER_LABELS[row.kind],
      `${formatInteger(row.opened)} (${formatInteger(row.serverCounted)})${row.failed ? `, ${row.failed} failed` : ''}`,
      `${mb(row.before.rss)} → ${mb(row.after.rss)}`,
      kb(rssPerConnection(row)),
      kb(heapPerConnection(row)),
      row.openSeconds.toFixed(1),
      ratioTo(rows, row, 'ws', rssPerConnection),
      ratioTo(rows, row, 'socketio', rssPerConnection),
    ]),
  );
  const lines = ['## 1. Idle authenticated connections, one server process', '', table, ''];
  const lift = rows.find((row) => row.kind === 'lift');
  const socketio = rows.find((row) => row.kind === 'socketio');
  if (lift !== undefined) {
    const perConnection = rssPerConnection(lift);
    lines.push(
      `- ${verdict('Lift ≤ 8 KB RSS per connection', perConnection <= TARGETS.memoryBytesPerConnection, `${kb(perConnection)} KB`)}`,
    );
    if (socketio !== undefined) {
      const theirs = rssPerConnection(socketio);
      lines.push(
        `- ${verdict('Lift below Socket.IO', perConnection < theirs, `${kb(perConnection)} vs ${kb(theirs)} KB`)}`,
      );
    }
  }
  for (const row of rows.filter((candidate) => candidate.firstError !== null)) {
    lines.push(`- ${row.kind}: first failure: ${row.firstError}`);
  }
  return [...lines, ''];
}

function handshakeRate(row: HandshakeResult): number {
  return row.handshakes / row.seconds;
}

function cpuPerHandshake(row: HandshakeResult): number {
  return row.serverCpuMicros / Math.max(1, row.handshakes);
}

function handshakeSection(rows: HandshakeResult[]): string[] {
  const table = markdownTable(
    [
      'server',
      'handshakes/s',
      'server CPU (% of a core)',
      'server CPU / handshake (µs), system part',
      'handshake p50 / p99 (ms)',
      'failed',
      '÷ raw ws',
      '÷ Socket.IO',
    ],
    rows.map((row) => [
      row.label ?? SERVER_LABELS[row.kind],
      formatInteger(handshakeRate(row)),
      ((row.serverCpuMicros / (row.seconds * 1e6)) * 100).toFixed(0),
      `${formatInteger(cpuPerHandshake(row))}, ${formatInteger(row.serverSystemMicros / Math.max(1, row.handshakes))}`,
      `${ms(row.p50Ms)} / ${ms(row.p99Ms)}`,
      formatInteger(row.failed),
      ratioTo(rows, row, 'ws', handshakeRate),
      ratioTo(rows, row, 'socketio', handshakeRate),
    ]),
  );
  const lines = ['## 2. Authenticated handshakes per second, one server process', '', table, ''];
  const lift = rows.find((row) => row.kind === 'lift' && row.label === undefined);
  const socketio = rows.find((row) => row.kind === 'socketio');
  if (lift !== undefined) {
    const rate = handshakeRate(lift);
    lines.push(
      `- ${verdict('Lift ≥ 5,000 handshakes/s', rate >= TARGETS.handshakesPerSecond, `${formatInteger(rate)}/s; at 100 % of a core its CPU per handshake allows ${formatInteger(1e6 / cpuPerHandshake(lift))}/s`)}`,
    );
    if (socketio !== undefined) {
      lines.push(
        `- ${verdict('Lift above Socket.IO', rate > handshakeRate(socketio), `${formatInteger(rate)} vs ${formatInteger(handshakeRate(socketio))}/s`)}`,
      );
    }
  }
  for (const row of rows.filter((candidate) => candidate.firstError !== null)) {
    lines.push(`- ${row.kind}: first failure: ${row.firstError}`);
  }
  return [...lines, ''];
}

const p99 = (row: FanoutResult) => percentile(row.lastMs, 0.99);

function deliveryTable(rows: FanoutResult[]): string {
  return markdownTable(
    [
      'server',
      'subscribers (closed while subscribing)',
      'subscribed in (s)',
      'other frames while subscribing',
      'publications',
      'last delivery p50 / p99 / max (ms)',
      'any delivery p50 / p99 (ms)',
      'server CPU / publication (ms)',
      'incomplete / closed',
      'p99 ÷ raw ws',
      'p99 ÷ Socket.IO',
    ],
    rows.map((row) => [
      SERVER_LABELS[row.kind],
      `${formatInteger(row.subscribers)} (${formatInteger(row.closedWhileSubscribing)})${row.failed ? `, ${formatInteger(row.failed)} failed` : ''}`,
      row.subscribeSeconds.toFixed(1),
      formatInteger(row.otherFrames),
      formatInteger(row.publications),
      `${ms(percentile(row.lastMs, 0.5))} / ${ms(p99(row))} / ${ms(row.lastMs.at(-1) ?? Number.NaN)}`,
      `${ms(row.deliveryMs.p50)} / ${ms(row.deliveryMs.p99)}`,
      ms(row.serverCpuMsPerPublication),
      `${row.incomplete} / ${row.closed}`,
      ratioTo(rows, row, 'ws', p99),
      ratioTo(rows, row, 'socketio', p99),
    ]),
  );
}

function fanoutSection(rows: FanoutResult[]): string[] {
  const lines = ['## 3. One publication to every subscriber on one node', '', deliveryTable(rows), ''];
  const lift = rows.find((row) => row.kind === 'lift');
  if (lift !== undefined) {
    lines.push(`- ${verdict('Lift p99 ≤ 50 ms', p99(lift) <= TARGETS.fanoutP99Ms, `${ms(p99(lift))} ms`)}`);
  }
  for (const row of rows.filter((candidate) => candidate.firstError !== null)) {
    lines.push(`- ${row.kind}: first failure: ${row.firstError}`);
  }
  return [...lines, ''];
}

function crossNodeSection(rows: CrossNodeResult[]): string[] {
  const measured = rows.filter((row): row is FanoutResult => !('skipped' in row));
  const lines = ['## 4. Across two nodes over loopback Redis', '', deliveryTable(measured), ''];
  for (const row of rows)
    if ('skipped' in row) lines.push(`- ${SERVER_LABELS[row.kind]}: skipped (${row.skipped})`);
  const lift = measured.find((row) => row.kind === 'lift');
  if (lift !== undefined) {
    lines.push(
      `- ${verdict('Lift p99 ≤ 10 ms', p99(lift) <= TARGETS.crossNodeP99Ms, `${ms(p99(lift))} ms`)}`,
    );
  }
  return [...lines, ''];
}

type Stage = 'idle' | 'after';

/** Bytes of RSS per subscribed connection at `stage`, from before the connections. */
function rssAt(row: CompressionResult, stage: Stage): number {
  return (row[stage].rss - row.before.rss) / Math.max(1, row.subscribed);
}

function heapAt(row: CompressionResult, stage: Stage): number {
  const { heapUsed, external } = row[stage];
  return (heapUsed + external - row.before.heapUsed - row.before.external) / Math.max(1, row.subscribed);
}

/** `idle → after` of `value`, in KB. */
function stages(value: (stage: Stage) => number, format = kb): string {
  return `${format(value('idle'))} → ${format(value('after'))}`;
}

const signedKb = (bytes: number) => `${bytes < 0 ? '−' : '+'}${kb(Math.abs(bytes))}`;

function compressionSection(rows: CompressionResult[]): string[] {
  const offOf = (row: CompressionResult) =>
    rows.find((candidate) => candidate.kind === row.kind && !candidate.compression);
  /** On − off per connection at each stage, on the "on" row; — elsewhere. */
  const cost = (row: CompressionResult, perConnection: typeof rssAt) => {
    const off = offOf(row);
    if (!row.compression || off === undefined) return '—';
    return stages((stage) => perConnection(row, stage) - perConnection(off, stage), signedKb);
  };
  const table = markdownTable(
    [
      'server',
      'permessage-deflate (accepted)',
      'connections (server count)',
      'large publications delivered',
      'RSS before → idle → after (MiB)',
      'RSS / connection, idle → after (KB)',
      'heap + external / connection, idle → after (KB)',
      'on − off: RSS / connection, idle → after (KB)',
      'on − off: heap + external / connection (KB)',
    ],
    rows.map((row) => [
      SERVER_LABELS[row.kind],
      `${row.compression ? 'on' : 'off'} (${formatInteger(row.deflated)})`,
      `${formatInteger(row.subscribed)} (${formatInteger(row.serverCounted)})${row.failed ? `, ${formatInteger(row.failed)} failed` : ''}`,
      `${formatInteger(row.delivered)} / ${formatInteger(row.expected)}`,
      `${mb(row.before.rss)} → ${mb(row.idle.rss)} → ${mb(row.after.rss)}`,
      stages((stage) => rssAt(row, stage)),
      stages((stage) => heapAt(row, stage)),
      cost(row, rssAt),
      cost(row, heapAt),
    ]),
  );
  const lines = ['## 5. What permessage-deflate costs per connection, one server process', '', table, ''];
  for (const row of rows.filter((candidate) => candidate.compression)) {
    const off = offOf(row);
    if (off === undefined) continue;
    lines.push(
      `- ${SERVER_LABELS[row.kind]}: compression on costs ${signedKb(rssAt(row, 'after') - rssAt(off, 'after'))} KB of RSS per connection once it has compressed (${signedKb(rssAt(row, 'idle') - rssAt(off, 'idle'))} KB idle)`,
    );
  }
  for (const row of rows.filter((candidate) => candidate.publishFailures > 0)) {
    lines.push(
      `- ${row.kind}, compression ${row.compression ? 'on' : 'off'}: ${row.publishFailures} publications failed`,
    );
  }
  for (const row of rows.filter((candidate) => candidate.firstError !== null)) {
    lines.push(
      `- ${row.kind}, compression ${row.compression ? 'on' : 'off'}: first failure: ${row.firstError}`,
    );
  }
  return [...lines, ''];
}

/** The whole report as Markdown (also what is printed). */
export function printReport(measurements: Measurements): string {
  const lines = [
    `# Realtime: Lift's gateway against raw ws and Socket.IO${measurements.quick ? ' (quick run)' : ''}`,
    '',
    ...machineLines(),
    `- Servers pinned to CPU 0, clients to CPU 1: ${measurements.pinned ? 'yes' : 'no'}`,
    `- Settings: \`${JSON.stringify(measurements.settings)}\``,
    '',
  ];
  if (measurements.memory) lines.push(...memorySection(measurements.memory));
  if (measurements.handshakes) lines.push(...handshakeSection(measurements.handshakes));
  if (measurements.fanout) lines.push(...fanoutSection(measurements.fanout));
  if (measurements.crossNode) lines.push(...crossNodeSection(measurements.crossNode));
  if (measurements.compression) lines.push(...compressionSection(measurements.compression));
  if (measurements.failures.length > 0) {
    lines.push('## Failed', '');
    for (const { what, kind, error } of measurements.failures) {
      lines.push(`- ${what}, ${SERVER_LABELS[kind]}: ${error}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function writeReport(report: string): void {
  writeFileSync(resolve(import.meta.dirname, 'results', 'realtime.md'), `${report}\n`);
}
