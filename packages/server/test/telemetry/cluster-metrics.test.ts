import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type LiftProcess, startLift, waitForOutput } from '../support/lift-process.ts';
import { OBSERVED_APP, scrape } from './live-lift.ts';

/**
 * `lift serve --workers 2`: one scrape of the primary's metrics listener holds every worker's requests, not
 * one worker's. Requests are spread over the workers by the cluster; the scrape's total must be all of them,
 * and it says how many workers answered (`lift_cluster_workers_scraped`).
 */

let lift: LiftProcess | undefined;
afterAll(async () => {
  if (lift) {
    await lift.stop();
    rmSync(lift.dataDir, { recursive: true, force: true });
  }
});

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics of a cluster', () => {
  it('aggregates every worker into one scrape through the primary', { timeout: 60_000 }, async () => {
    lift = await startLift(['--app', OBSERVED_APP, '--workers', '2'], { LIFT_METRICS__PORT: '0' });
    const [, metricsUrl] = await waitForOutput(
      lift,
      /"url":"(http:\/\/[^"]+)"[^\n]*metrics listener started/,
    );
    const sent = 30;
    for (let i = 0; i < sent; i++) {
      // A new connection each time, so the primary hands requests to both workers.
      const response = await fetch(`${lift.url}/ping`, { headers: { connection: 'close' } });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    const text = await scrape(metricsUrl as string);
    expect(sample(text, 'lift_cluster_workers_scraped{of="2"}')).toBe(2);
    expect(sample(text, 'http_requests_total{method="GET",route="/ping",status="200"}')).toBe(sent);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/ping"}')).toBe(sent);
    // Process metrics of two processes, joined: the CPU of both.
    expect(text).toContain('process_cpu_seconds_total');
  });
});
