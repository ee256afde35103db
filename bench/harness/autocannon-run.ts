/**
 * One load-generator run with autocannon: a warm-up (discarded), then the measured window. Shared by the load
 * children (`harness/load.ts`, and `session-load.ts`, which adds request headers).
 */
import autocannon from 'autocannon';
import type { LoadRequest, LoadResult } from './load-protocol.ts';

export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1') {
    throw new Error(`refusing to load ${url}: benchmarks only target 127.0.0.1`);
  }
}

export async function runAutocannon(
  request: LoadRequest,
  headers?: Record<string, string>,
): Promise<LoadResult> {
  const common = {
    url: request.url,
    connections: request.connections,
    pipelining: request.pipelining,
    ...(headers === undefined ? {} : { headers }),
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
