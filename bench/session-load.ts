/**
 * Load-generator child of `bench/session.ts`: `bench/harness/load.ts` with request headers (the session
 * cookie). `node --import tsx bench/session-load.ts '<HeaderLoadRequest JSON>'` runs a warm-up (discarded),
 * then the measured run, and prints one `LoadResult` JSON line on stdout.
 */
import autocannon from 'autocannon';
import type { LoadResult } from './harness/load-protocol.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import { type HeaderLoadRequest, parseHeaderLoadRequest } from './session-protocol.ts';

async function measure(request: HeaderLoadRequest): Promise<LoadResult> {
  if (new URL(request.url).hostname !== '127.0.0.1') {
    throw new Error(`refusing to load ${request.url}: benchmarks only target 127.0.0.1`);
  }
  const common = {
    url: request.url,
    connections: request.connections,
    pipelining: request.pipelining,
    headers: request.headers,
    expectBody: request.expectBody,
  };
  if (request.warmupSeconds > 0) await autocannon({ ...common, duration: request.warmupSeconds });
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
if (argument === undefined) throw new Error('usage: session-load.ts <HeaderLoadRequest JSON>');
const result = await measure(parseHeaderLoadRequest(argument));
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
