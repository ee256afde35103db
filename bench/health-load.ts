/**
 * Constant-rate load child of `bench/health.ts`: `node --import tsx bench/health-load.ts '<request JSON>'`.
 * Sends GET requests at a fixed rate (not as fast as the server answers, as autocannon does), over keep-alive
 * connections, for a warm-up and then the measured window, and prints one JSON line: p50/p99/max latency.
 * Latency counts from when a request was due, not from when it went out, so a stalled server or generator
 * shows in the numbers instead of silently lowering the rate (coordinated omission).
 */
import { Agent, request } from 'node:http';
import { assertLoopback } from './harness/autocannon-run.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';

export interface RateRequest {
  url: string;
  ratePerSecond: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Every answer must be 200 with a JSON body whose `status` (or, without one, the whole body) is one of these. */
  expectStatus: string[];
}

export interface RateResult {
  sent: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests per second actually completed in the measured window. */
  achievedRate: number;
}

/**
 * FIFO reuse keeps every pooled socket busy: with LIFO (the default) a socket opened during a stall sits idle
 * past the server's keep-alive timeout (5 s) and is reset just as it is reused, a client-side artefact.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64, scheduling: 'fifo' });

function once(url: string, expectStatus: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const parsed = JSON.parse(body) as { status?: string };
        const status = parsed.status ?? body;
        if (res.statusCode !== 200 || !expectStatus.includes(status)) {
          reject(new Error(`${url} answered ${res.statusCode} ${body.slice(0, 300)}`));
        } else resolve();
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Sends `rate` requests per second for `seconds`; resolves with each request's latency from its due time. */
async function run(
  url: string,
  rate: number,
  seconds: number,
  expectStatus: readonly string[],
): Promise<Float64Array> {
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const answers: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    const pump = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; sent < due; sent += 1) {
        const index = sent;
        const dueAt = start + (index * 1000) / rate;
        answers.push(
          once(url, expectStatus).then(() => {
            latencies[index] = performance.now() - dueAt;
          }),
        );
      }
      if (sent < total) setTimeout(pump, 1);
      else done();
    };
    pump();
  });
  await Promise.all(answers);
  return latencies;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

exitWhenParentExits();
const argument = process.argv[2];
if (argument === undefined) throw new Error("usage: health-load.ts '<request JSON>'");
const input = JSON.parse(argument) as RateRequest;
assertLoopback(input.url);
if (input.warmupSeconds > 0)
  await run(input.url, input.ratePerSecond, input.warmupSeconds, input.expectStatus);
const started = performance.now();
const latencies = (
  await run(input.url, input.ratePerSecond, input.durationSeconds, input.expectStatus)
).sort();
const elapsedSeconds = (performance.now() - started) / 1000;
const result: RateResult = {
  sent: latencies.length,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  maxMs: latencies[latencies.length - 1]!,
  achievedRate: latencies.length / elapsedSeconds,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();
process.exit(0);
