/** The Markdown report of `bench/access.ts`: throughput with and without the permission guard, then `can()`. */
import type { TargetId } from './access.ts';
import type { CanResult, CanTiming, RouteName } from './access-protocol.ts';
import { PIN } from './harness/pinning.ts';
import { formatInteger, formatRatio, machineLines, markdownTable, verdict } from './harness/report.ts';
import { best, type Measurement } from './harness/rounds.ts';
import type { LoadSettings } from './harness/settings.ts';

/** The guarded route must serve at least this fraction of its unguarded twin's requests/s. */
const GUARDED_VS_UNGUARDED_TARGET = 0.95;

interface ReportTarget {
  id: TargetId;
  label: string;
  path: string;
}

const PAIRS: Array<{ what: string; guarded: TargetId; open: TargetId; target: boolean }> = [
  { what: 'The app’s route (SQL query)', guarded: 'db-guarded', open: 'db-auth-only', target: true },
  { what: 'In-memory handler', guarded: 'memory-guarded', open: 'memory-auth-only', target: true },
];

function throughputSection(measurements: Measurement<ReportTarget>[], settings: LoadSettings): string[] {
  const byId = (id: TargetId) => measurements.find((m) => m.target.id === id);
  const rows = measurements.map((measurement) => {
    const result = best(measurement);
    return [
      measurement.target.label,
      `GET ${measurement.target.path}`,
      formatInteger(result.requestsPerSecond),
      result.latencyP99Ms.toFixed(1),
      measurement.rounds.map((r) => formatInteger(r.requestsPerSecond)).join(' / '),
    ];
  });
  const ratioRows: string[][] = [];
  const verdicts: string[] = [];
  for (const pair of PAIRS) {
    const guarded = byId(pair.guarded);
    const open = byId(pair.open);
    if (!guarded || !open) continue;
    const ratio = best(guarded).requestsPerSecond / best(open).requestsPerSecond;
    const perRound = guarded.rounds.map(
      (round, i) => round.requestsPerSecond / open.rounds[i]!.requestsPerSecond,
    );
    ratioRows.push([pair.what, formatRatio(ratio), perRound.map(formatRatio).join(' / ')]);
    verdicts.push(
      `- ${verdict(`${pair.what}: guarded ≥ ${GUARDED_VS_UNGUARDED_TARGET}× unguarded (best rounds)`, ratio >= GUARDED_VS_UNGUARDED_TARGET, formatRatio(ratio))}`,
    );
  }
  return [
    '## Throughput: GET /tenants/:tenantId/notes with and without requirePermission',
    '',
    `${settings.durationSeconds} s measured after ${settings.warmupSeconds} s warm-up per target, ` +
      `${settings.connections} connections, pipelining ${settings.pipelining}, best of ${settings.rounds} ` +
      `round(s) (highest requests/s; p99 from that round); ${PIN ? 'server on CPU 0, load generator on CPU 1' : 'not pinned'}. ` +
      'Every target is the same server fixture (the reference app, every default stage, SQLite in a temp ' +
      'directory), started afresh for each measurement, and every request carries the same EdDSA access ' +
      'token of a `viewer` of the tenant. All four routes validate the same input and answer the same ' +
      'JSON (the tenant’s three notes); they differ only in the permission guard and in where the page ' +
      'comes from. The guarded and unguarded route of a pair run back to back in every round.',
    '',
    markdownTable(['target', 'request', 'requests/s', 'p99 (ms)', 'requests/s per round'], rows),
    '',
    markdownTable(['guarded ÷ unguarded', 'best rounds', 'same round, per round'], ratioRows),
    '',
    ...verdicts,
    '',
  ];
}

function canSection(result: CanResult): string[] {
  const nanos = (timing: CanTiming) => timing.nanosPerCall.toFixed(0);
  const rounds = (timing: CanTiming) => timing.roundNanosPerCall.map((value) => value.toFixed(0)).join(' / ');
  const rows: Array<[string, CanTiming]> = [
    ["`can(viewer, 'notes:read', tenant)`, allowed", result.allowed],
    ["`can(viewer, 'notes:update', tenant)`, denied", result.denied],
    ["`authorize(member, 'notes:update', own note)`, allowed by `:own`", result.authorizeOwn],
    ['`Set.has` of one string (floor)', result.setHas],
  ];
  return [
    '## can() alone, no HTTP',
    '',
    'The decision `requirePermission` makes, through `app.access.control` of the reference app (SQLite, ' +
      'seeded like the server fixture), in one process pinned like the servers; the first call computed ' +
      `and cached the subject's effective set. ${formatInteger(result.callsPerRound)} calls per round, ` +
      `${result.rounds} rounds after one discarded, best round shown. The engine alone, with 10,000 roles ` +
      'and 100,000 grants, is `bench/access-engine.ts`.',
    '',
    markdownTable(
      ['operation', 'ns per call', 'ns per call per round'],
      rows.map(([name, timing]) => [name, nanos(timing), rounds(timing)]),
    ),
    '',
  ];
}

function cpuSection(result: CanResult): string[] {
  const what = (route: RouteName) =>
    route.startsWith('db') ? 'The app’s route (SQL query)' : 'In-memory handler';
  const rows = result.fetchCpu.map((pair) => [
    what(pair.guarded),
    pair.guardedMicros.toFixed(1),
    pair.openMicros.toFixed(1),
    pair.extraMicros.toFixed(1),
    formatRatio(pair.ratio),
  ]);
  return [
    '## CPU per request, no network',
    '',
    'The same four routes driven through `app.fetch` in the timing process (pinned like the servers), one ' +
      "request at a time with the viewer's bearer token. Each guarded route and its unguarded twin run in " +
      `alternating blocks of ${formatInteger(result.requestsPerBlock)} requests, back to back, ` +
      `${result.blocks} blocks each after two discarded; user + system CPU per request, medians over the blocks. ` +
      'Neighbours on a shared machine slow a process down far more than they change the CPU it spends, and ' +
      'pairing the blocks cancels most of what remains, so this isolates what the guard costs.',
    '',
    markdownTable(
      [
        'pair',
        'guarded (µs)',
        'unguarded (µs)',
        'guard adds (µs, median of pairs)',
        'requests per CPU second, guarded ÷ unguarded',
      ],
      rows,
    ),
    '',
  ];
}

export function renderReport(
  measurements: Measurement<ReportTarget>[],
  settings: LoadSettings,
  can: CanResult,
): string {
  return [
    '# Access benchmark: requirePermission on GET /tenants/:tenantId/notes',
    '',
    ...machineLines(),
    '',
    ...throughputSection(measurements, settings),
    ...cpuSection(can),
    ...canSection(can),
  ].join('\n');
}
