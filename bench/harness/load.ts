/**
 * Load-generator child: `node --import tsx bench/harness/load.ts '<LoadRequest JSON>'`.
 * Runs a warm-up (discarded), then the measured run, and prints one `LoadResult` JSON line on stdout.
 * Kept in its own process so the load generator never shares an event loop with the server it measures.
 */
import autocannon from 'autocannon';
import { type LoadRequest, type LoadResult, parseLoadRequest } from './load-protocol.ts';
import { exitWhenParentExits } from './parent-watch.ts';

function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1') {
    throw new Error(`refusing to load ${url}: benchmarks only target 127.0.0.1`);
  }
}

async function measure(request: LoadRequest): Promise<LoadResult> {
  const common = {
    url: request.url,
    connections: request.connections,
    pipelining: request.pipelining,
    expectBody: request.expectBody,
  };
  if (request.warmupSeconds > 0) {
    await autocannon({ ...common, duration: request.warmupSeconds });
  }
  const result = await autocannon({ ...common, duration: request.durationSeconds });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    totalRequests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
  };
}

exitWhenParentExits();
const argument = process.argv[2];
if (argument === undefined) {
  throw new Error('usage: load.ts <LoadRequest JSON>');
}
const request = parseLoadRequest(argument);
assertLoopback(request.url);
const result = await measure(request);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
