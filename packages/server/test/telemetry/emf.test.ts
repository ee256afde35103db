import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLift } from '../../src/index.ts';
import { EmfWriter, MetricsRegistry } from '../../src/telemetry/index.ts';
import { signUpVerified } from '../identity/identity-steps.ts';
import { Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';

/**
 * `metrics.mode: emf` writes CloudWatch Embedded Metric Format lines at the end of each request. Each line is
 * checked against the structure the EMF specification requires: `_aws.Timestamp` (epoch ms),
 * `_aws.CloudWatchMetrics` directives with a `Namespace`, `Dimensions` (arrays of names, each a string member of
 * the root) and `Metrics` (`Name` a member of the root holding a number or `Values`/`Counts` arrays of equal
 * length, at most 100; `Unit` one of CloudWatch's).
 */

const UNITS = new Set(['Seconds', 'Bytes', 'Count', 'None']);

function checkEmf(line: string): Record<string, unknown> {
  const doc = JSON.parse(line) as Record<string, unknown> & {
    _aws: { Timestamp: unknown; CloudWatchMetrics: unknown };
  };
  expect(Number.isInteger(doc._aws.Timestamp)).toBe(true);
  expect(Math.abs((doc._aws.Timestamp as number) - Date.now())).toBeLessThan(60_000);
  const directives = doc._aws.CloudWatchMetrics as {
    Namespace: string;
    Dimensions: string[][];
    Metrics: { Name: string; Unit?: string }[];
  }[];
  expect(Array.isArray(directives) && directives.length > 0).toBe(true);
  for (const directive of directives) {
    expect(directive.Namespace).toMatch(/^[A-Za-z0-9._/#:-]{1,255}$/);
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const name of set) expect(typeof doc[name]).toBe('string');
    }
    for (const metric of directive.Metrics) {
      if (metric.Unit !== undefined) expect(UNITS.has(metric.Unit)).toBe(true);
      const value = doc[metric.Name] as number | { Values: number[]; Counts: number[] };
      if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
      else {
        expect(value.Values.length).toBe(value.Counts.length);
        expect(value.Values.length).toBeLessThanOrEqual(100);
        expect(value.Values.length).toBeGreaterThan(0);
      }
    }
  }
  return doc;
}

/** Collects the EMF lines the writer sends to stdout into `lines` (other output passes); returns the undo. */
function captureEmf(lines: string[]): () => void {
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    if (chunk.includes('"_aws"')) lines.push(...chunk.trimEnd().split('\n'));
    else original(chunk);
    return true;
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = original;
  };
}

describe('metrics.mode emf', () => {
  it('writes valid EMF lines for each request as it is answered, counters as what they added', async () => {
    const lines: string[] = [];
    const app = createLift({
      env: 'test',
      log: { level: 'silent' },
      auth: { enabled: false },
      metrics: { mode: 'emf', namespace: 'LiftTest' },
    });
    app.get('/notes/:id', () => ({ ok: true }));
    const restore = captureEmf(lines);
    try {
      await app.fetch(new Request('http://x/notes/1'));
      const afterFirst = lines.length;
      await app.fetch(new Request('http://x/notes/2'));
      expect(afterFirst).toBe(2);
      expect(lines.length).toBe(4);
    } finally {
      restore();
      await app.close();
    }
    const docs = lines.map(checkEmf);
    const counts = docs.filter((doc) => 'http_requests_total' in doc);
    expect(counts).toHaveLength(2);
    for (const doc of counts) {
      expect(doc).toMatchObject({
        method: 'GET',
        route: '/notes/:id',
        status: '200',
        http_requests_total: 1,
      });
      expect((doc._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics[0]).toEqual({
        Namespace: 'LiftTest',
        Dimensions: [['method', 'route', 'status']],
        Metrics: [{ Name: 'http_requests_total', Unit: 'Count' }],
      });
    }
    const durations = docs.filter((doc) => 'http_request_duration_seconds' in doc);
    expect(durations).toHaveLength(2);
    expect(durations[0]!.http_request_duration_seconds).toMatchObject({ Counts: [1] });
  });

  it('flushes deltas: nothing when nothing changed, what a counter added, values in chunks of 100', () => {
    const registry = new MetricsRegistry({ log: pino({ level: 'silent' }), processMetrics: false });
    registry.keepObservations();
    registry.declare('app', [
      { name: 'jobs_total', type: 'counter', help: 'Jobs run by the test.', labels: ['kind'] },
      { name: 'queue_depth', type: 'gauge', help: 'Depth set directly.' },
      { name: 'rows_live', type: 'gauge', help: 'Read when scraped only.' },
      { name: 'job_seconds', type: 'histogram', help: 'Job durations.' },
    ]);
    const handles = registry.handles('app');
    const written: string[] = [];
    const writer = new EmfWriter({
      instruments: () => registry.instruments(),
      namespace: 'Lift',
      write: (text) => written.push(...text.trimEnd().split('\n')),
    });
    handles.gauge('rows_live').readOnScrape(() => 7);
    writer.flush();
    expect(written).toEqual([]);
    handles.counter('jobs_total').add({ kind: 'mail' }, 3);
    handles.gauge('queue_depth').set(4);
    for (let i = 0; i < 150; i++) handles.histogram('job_seconds').observe(i / 1000);
    writer.flush();
    const docs = written.map(checkEmf);
    expect(docs.find((doc) => 'jobs_total' in doc)).toMatchObject({ kind: 'mail', jobs_total: 3 });
    expect(docs.find((doc) => 'queue_depth' in doc)).toMatchObject({ queue_depth: 4 });
    const chunks = docs
      .filter((doc) => 'job_seconds' in doc)
      .map((doc) => doc.job_seconds as { Values: number[] });
    expect(chunks.map((chunk) => chunk.Values.length)).toEqual([100, 50]);
    expect(docs.some((doc) => 'rows_live' in doc)).toBe(false);
    written.length = 0;
    writer.flush();
    expect(written).toEqual([]);
    handles.counter('jobs_total').add({ kind: 'mail' }, 2);
    writer.flush();
    expect(written.map(checkEmf)).toMatchObject([{ kind: 'mail', jobs_total: 2 }]);
  });

  it('reports a login attempt of a real flow in EMF, without an email or id anywhere', async () => {
    const auth = await startAuthApp({ metrics: { mode: 'emf' } });
    const lines: string[] = [];
    const restore = captureEmf(lines);
    try {
      const email = 'emf-user@example.com';
      const { userId } = await signUpVerified(auth, email);
      const wrong = await new Browser(auth.app).post('/auth/login', { email, password: `${GOOD_PASSWORD}!` });
      expect(wrong.status).toBe(401);
      auth.app.module('telemetry').flush();
      const text = lines.join('\n');
      expect(text).not.toContain(email);
      expect(text).not.toContain(userId);
      const docs = lines.map(checkEmf);
      expect(docs.find((doc) => doc.reason === 'wrong_password')).toMatchObject({
        method: 'password',
        outcome: 'failure',
        auth_attempts_total: 1,
      });
      expect(docs.some((doc) => 'sessions_active' in doc)).toBe(false);
    } finally {
      restore();
      await auth.close();
    }
  });
});
