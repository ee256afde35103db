/**
 * What observability costs per request (issue 13): `GET /hello` on Lift in production mode with every
 * telemetry default on — HTTP metrics, tracing with no exporter (the default: a no-op), the access log — against
 * the same app with all of them off, in the same run, and with each part off alone, so the cost of metrics is
 * printed on its own. CPU per request through the app's Node request listener (bench/harness/cpu.ts), the
 * targets of bench/http-cpu-targets.ts measured in one process, round after round, the best of each kept: on a
 * shared machine the loopback numbers swing with the neighbours, CPU per request does not.
 *
 *   node --import tsx bench/telemetry.ts [--requests 50000] [--rounds 5]
 *
 * Target: all on ÷ all off ≥ 0.9 (requests per CPU-second).
 */
import { parseArgs } from 'node:util';
import { cpuPerRequest } from './harness/cpu.ts';
import { formatRatio, markdownTable } from './harness/report.ts';
import { type CpuRequest, cpuTargets } from './http-cpu-targets.ts';

const HELLO: CpuRequest = { path: '/hello', headers: {}, body: JSON.stringify({ hello: 'world' }) };

const ROWS: Array<[label: string, target: string]> = [
  ['all off: access log off, metrics.mode off (tracing has no exporter)', 'Lift, access log and metrics off'],
  ['metrics on, access log off', 'Lift, access log off'],
  ['access log on, metrics off', 'Lift, metrics off'],
  [
    'all on: metrics + tracing (no exporter) + access log — the defaults',
    'Lift, every default (access log written)',
  ],
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } },
    strict: false,
  });
  const count = Number(values.requests);
  const rounds = Number(values.rounds);
  const targets = cpuTargets();
  const listeners = await Promise.all(
    ROWS.map(async ([, label]) => {
      const target = targets.find((candidate) => candidate.label === label);
      const listener = await target?.listener();
      if (!listener) throw new Error(`no target "${label}" in bench/http-cpu-targets.ts`);
      return listener;
    }),
  );
  const best = ROWS.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    for (const [index, listener] of listeners.entries()) {
      const { micros, response } = await cpuPerRequest(listener, HELLO, count);
      if (!response.startsWith('HTTP/1.1 200') || !response.endsWith(HELLO.body)) {
        throw new Error(`${ROWS[index]![0]}: unexpected response:\n${response}`);
      }
      best[index] = Math.min(best[index]!, micros);
    }
  }
  const [off, metricsOn, logOn, allOn] = best as [number, number, number, number];
  console.log(
    `# Telemetry overhead: GET /hello, production mode (${count} requests, best of ${rounds} rounds)\n`,
  );
  console.log(
    markdownTable(
      ['variant', 'CPU µs per request', 'ratio to all off (requests per CPU-second)'],
      ROWS.map(([label], index) => [label, best[index]!.toFixed(2), formatRatio(off / best[index]!)]),
    ),
  );
  console.log(
    `\nmetrics (and tracing without an exporter) cost per request: ${(metricsOn - off).toFixed(2)} µs`,
  );
  console.log(`access log cost per request: ${(logOn - off).toFixed(2)} µs`);
  console.log(`all on ÷ all off: ${formatRatio(off / allOn)} (target ≥ 0.9×)`);
}

await main();
