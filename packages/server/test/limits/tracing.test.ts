import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LiftProcess, startLift } from '../support/lift-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

/**
 * With tracing on, each rate-limit decision is a `ratelimit.decide` span under its request, naming the policy.
 * Black-box: a real `lift serve` of the rate-limited fixture on its default store (the SQL database, SQLite),
 * exporting to a real OTLP receiver; SIGTERM flushes the batch.
 */

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe('rate limiting with tracing on', () => {
  let receiver: OtlpReceiver;
  let lift: LiftProcess;
  const statuses: number[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    lift = await startLift(['--app', 'packages/server/test/fixtures/rate-limited-app.ts'], {
      LIFT_TRACING__EXPORTER: 'otlp',
      LIFT_TRACING__ENDPOINT: receiver.url,
      LIFT_LOG__LEVEL: 'warn',
      RATE_LIMIT_N: '1',
    });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${lift.url}/limited/x`);
      statuses.push(response.status);
      await response.body?.cancel();
    }
    await lift.stop();
  });

  afterAll(async () => {
    await lift?.stop();
    await receiver?.close();
  });

  it('records one ratelimit.decide span per decision, under the request, with the policy', () => {
    expect(statuses).toEqual([200, 429]);
    const requests = receiver.spans.filter((span) => span.name === 'GET /limited/x');
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      const decide = receiver.spans.filter(
        (span) => span.name === 'ratelimit.decide' && span.parentSpanId === request.spanId,
      );
      expect(decide).toHaveLength(1);
      expect(decide[0]!.attributes).toMatchObject({ 'lift.ratelimit.policy': 'shared' });
      expect(decide[0]!.traceId).toBe(request.traceId);
    }
  });
});
