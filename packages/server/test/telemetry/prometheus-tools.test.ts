import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardText } from '../../../../deploy/grafana/build-dashboard.ts';
import { repoRoot } from '../support/lift-process.ts';
import {
  exerciseIdentity,
  exerciseRealtime,
  type ObservedLift,
  scrape,
  startObservedLift,
} from './live-lift.ts';
import { promtool } from './prometheus-binaries.ts';
import {
  ALERT_TESTS_FILE,
  ALERTS_FILE,
  alertExpressions,
  DASHBOARD_FILE,
  dashboardExpressions,
  exportedFamilies,
  isExported,
  metricNames,
  withGrafanaValues,
} from './promql.ts';

/**
 * Lift's dashboard (deploy/grafana/lift.json) and alert rules (deploy/prometheus/alerts.yml) checked by
 * Debian's promtool: the rules parse and pass their unit tests, every dashboard query parses, a whole live
 * scrape of a running Lift passes `promtool check metrics`, and every metric the dashboard or the rules read
 * is exported by that Lift.
 */

function expectSuccess(result: { code: number | null; stdout: string; stderr: string }): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

describe('the alert rules', () => {
  it('pass promtool check rules', async () => {
    const result = await promtool(['check', 'rules', ALERTS_FILE]);
    expectSuccess(result);
    expect(result.stdout).toMatch(/SUCCESS: 14 rules found/);
  });

  it('pass their promtool unit tests (each alert fires when unhealthy, stays silent when healthy)', async () => {
    const result = await promtool(['test', 'rules', ALERT_TESTS_FILE]);
    expectSuccess(result);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('each point to a runbook section of docs/operations.md', () => {
    const alerts = readFileSync(ALERTS_FILE, 'utf8');
    const names = [...alerts.matchAll(/- alert: (\S+)/g)].map((match) => match[1] ?? '');
    const runbooks = [...alerts.matchAll(/runbook_url: docs\/operations\.md#(\S+)/g)].map(
      (match) => match[1],
    );
    expect(runbooks).toEqual(names.map((name) => name.toLowerCase()));
    const headings = [...readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8').matchAll(/^#+ (.+)$/gm)];
    const anchors = new Set(headings.map((match) => (match[1] ?? '').trim().toLowerCase()));
    for (const name of names)
      expect(anchors, `docs/operations.md has no "### ${name}"`).toContain(name.toLowerCase());
  });
});

describe('the dashboard', () => {
  it('is what build-dashboard.ts generates (run it after changing the script)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(dashboardText());
  });

  it('has only PromQL that promtool parses, once Grafana has put in its variables', async () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(25);
    // promtool has no "parse this query"; as recording rules, every expression is parsed by check rules.
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: expressions.map((entry, index) => ({
            record: `lift_dashboard:query_${index}`,
            expr: withGrafanaValues(entry.expr),
          })),
        },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'lift-dashboard-'));
    try {
      const file = join(dir, 'dashboard-queries.yml');
      // JSON is YAML, which promtool reads.
      writeFileSync(file, JSON.stringify(rules));
      const result = await promtool(['check', 'rules', file]);
      expectSuccess(result);
      expect(result.stdout).toContain(`SUCCESS: ${expressions.length} rules found`);
      // And a broken query would have been caught, naming it.
      writeFileSync(
        file,
        JSON.stringify({ groups: [{ name: 'd', rules: [{ record: 'r', expr: 'sum(rate(x[5m])' }] }] }),
      );
      const broken = await promtool(['check', 'rules', file]);
      expect(broken.code).not.toBe(0);
      expect(broken.stderr + broken.stdout).toMatch(/unclosed|parse error/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading metric names from PromQL', () => {
  it('finds the series names, not functions, keywords, labels, durations or numbers', () => {
    const expr =
      'sum by (route, le) (rate(a_total{status=~"5..",x="rate(b)"}[5m])) / ignoring(le) b_seconds offset 5m' +
      ' > 1e-9 and on(job) histogram_quantile(0.9, c_bucket) or max without (instance) (d:recorded) > 1/60';
    expect(metricNames(expr).sort()).toEqual(['a_total', 'b_seconds', 'c_bucket', 'd:recorded']);
  });

  it('counts a histogram family as exported through its _bucket, _sum and _count series', () => {
    const families = exportedFamilies('# TYPE h_seconds histogram\n# TYPE g gauge\n# TYPE c_total counter\n');
    expect(
      ['h_seconds_bucket', 'h_seconds_sum', 'h_seconds_count', 'g', 'c_total'].every((name) =>
        isExported(name, families),
      ),
    ).toBe(true);
    expect(isExported('g_bucket', families)).toBe(false);
    expect(isExported('missing_total', families)).toBe(false);
  });
});

describe('a live scrape of a running Lift', () => {
  let observed: ObservedLift;
  let text: string;

  beforeAll(async () => {
    observed = await startObservedLift();
    await exerciseIdentity(observed.lift);
    await exerciseRealtime(observed.lift);
    const broken = await fetch(`${observed.lift.url}/broken/1`);
    expect(broken.status).toBe(500);
    await broken.body?.cancel();
    // Rate-limit decisions (one allowed, one limited) give the Rate limiting row its series.
    for (const status of [200, 429]) {
      const limited = await fetch(`${observed.lift.url}/limited/x`);
      expect(limited.status).toBe(status);
      await limited.body?.cancel();
    }
    text = await scrape(observed.metricsUrl);
  }, 60_000);

  afterAll(async () => {
    await observed?.stop();
  });

  it('passes promtool check metrics without a remark, process metrics included', async () => {
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/broken\/:id",status="500"\} 1$/m);
    const result = await promtool(['check', 'metrics'], text);
    expectSuccess(result);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('exports every metric the dashboard and the alert rules read', () => {
    const families = exportedFamilies(text);
    const missing: string[] = [];
    for (const { where, expr } of [...dashboardExpressions(), ...alertExpressions()]) {
      for (const name of metricNames(withGrafanaValues(expr))) {
        // `up` is Prometheus's own series about the scrape.
        if (name !== 'up' && !isExported(name, families)) missing.push(`${name} (${where})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('records the identity, session and token series the dashboard shows after a signup and logins', () => {
    expect(text).toMatch(/^auth_attempts_total\{method="password",outcome="success",[^}]*\} [1-9]/m);
    expect(text).toMatch(/^auth_attempts_total\{method="password",outcome="failure",[^}]*\} [1-9]/m);
    expect(text).toMatch(/^sessions_created_total(\{[^}]*\})? [1-9]/m);
    expect(text).toMatch(/^tokens_issued_total\{type="[a-z_]+"\} [1-9]/m);
    expect(text).toMatch(/^token_reuse_detected_total 1$/m);
  });
});
