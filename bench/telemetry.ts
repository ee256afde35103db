/**
 * What observability costs per request (issue 13): `GET /hello` on Lift in production mode with every
 * telemetry default on — HTTP metrics, tracing with no exporter (the default, a no-op), the access log — against
 * the same app with all three off, in the same run; and each part alone, so the cost of metrics is printed on
 * its own. Measured as CPU per request through the app's Node request listener (bench/harness/cpu.ts): on a
 * shared machine the loopback numbers swing with the neighbours, CPU per request does not.
 *
 *   node --import tsx bench/telemetry.ts [--requests 50000] [--rounds 5]
 *
 * Target: all on ÷ all off ≥ 0.9 (requests per CPU-second).
 */
import { parseArgs } from 'node:util';
import { getRequestListener } from '@hono/node-server';
import { pino } from 'pino';
import { createLogger } from '../packages/server/src/core/logger.ts';
import { createLift } from '../packages/server/src/index.ts';
import { cpuPerRequest } from './harness/cpu.ts';
import { formatRatio, markdownTable } from './harness/report.ts';
import type { CpuRequest, Listener } from './http-cpu-targets.ts';

const HELLO: CpuRequest = { path: '/hello', headers: {}, body: JSON.stringify({ hello: 'world' }) };

interface Variant {
  label: string;
  metrics: boolean;
  accessLog: boolean;
}

const VARIANTS: Variant[] = [
  {
    label: 'all off (metrics.mode off, access log off, no tracing exporter)',
    metrics: false,
    accessLog: false,
  },
  { label: 'metrics only', metrics: true, accessLog: false },
  { label: 'access log only', metrics: false, accessLog: true },
  {
    label: 'all on: metrics + tracing (no exporter) + access log — the defaults',
    metrics: true,
    accessLog: true,
  },
];

function listenerOf(variant: Variant): Listener {
  const lift = createLift(
    {
      env: 'production',
      secret: 'x'.repeat(64),
      storage: { url: 'sqlite::memory:', kv: 'memory:' },
      metrics: { mode: variant.metrics ? 'prometheus' : 'off' },
      http: { accessLog: { enabled: variant.accessLog } },
    },
    {
      logger: createLogger({
        level: 'info',
        destination: pino.destination({ dest: '/dev/null', sync: false }),
        batchLines: true,
      }),
    },
  );
  lift.get('/hello', () => ({ hello: 'world' }));
  return getRequestListener(lift.fetch);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } },
    strict: false,
  });
  const count = Number(values.requests);
  const rounds = Number(values.rounds);
  const listeners = VARIANTS.map(listenerOf);
  const best = VARIANTS.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    for (const [index, listener] of listeners.entries()) {
      const { micros, response } = await cpuPerRequest(listener, HELLO, count);
      if (!response.startsWith('HTTP/1.1 200') || !response.endsWith(HELLO.body)) {
        throw new Error(`${VARIANTS[index]!.label}: unexpected response:\n${response}`);
      }
      best[index] = Math.min(best[index]!, micros);
    }
  }
  const off = best[0]!;
  console.log(
    `# Telemetry overhead: GET /hello, production mode (${count} requests, best of ${rounds} rounds)\n`,
  );
  console.log(
    markdownTable(
      ['variant', 'CPU µs per request', 'ratio to all off (requests per CPU-second)'],
      VARIANTS.map((variant, index) => [
        variant.label,
        best[index]!.toFixed(2),
        formatRatio(off / best[index]!),
      ]),
    ),
  );
  console.log(`\nmetrics cost per request: ${(best[1]! - off).toFixed(2)} µs`);
  console.log(`access log cost per request: ${(best[2]! - off).toFixed(2)} µs`);
  console.log(`all on ÷ all off: ${formatRatio(off / best[3]!)} (target ≥ 0.9×)`);
}

await main();
