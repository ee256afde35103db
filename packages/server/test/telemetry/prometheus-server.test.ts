import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '../support/lift-process.ts';
import { exerciseIdentity, type ObservedLift, startObservedLift } from './live-lift.ts';
import { prometheusPath } from './prometheus-binaries.ts';
import { ALERTS_FILE } from './promql.ts';

/**
 * A real Prometheus server scraping a running Lift's metrics listener every second with Lift's alert rules
 * loaded: it sees Lift's series with their route labels, loads every rule, and Lift's real failures (server
 * errors, a replayed refresh token) drive alerts to pending and firing.
 */

interface PrometheusServer {
  url: string;
  child: ChildProcess;
  output(): string;
}

const POLL_DEADLINE_MS = 30_000;

async function startPrometheus(dir: string, target: URL): Promise<PrometheusServer> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [ALERTS_FILE],
      scrape_configs: [
        {
          job_name: 'lift',
          metrics_path: target.pathname,
          static_configs: [{ targets: [target.host] }],
        },
      ],
    }),
  );
  const child = spawn(
    prometheusPath(),
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const server = { url: `http://127.0.0.1:${port}`, child, output: () => output };
  await until('Prometheus is ready', server, async () => {
    const ready = await fetch(`${server.url}/-/ready`).catch(() => undefined);
    return ready?.status === 200 ? true : undefined;
  });
  return server;
}

/** Polls `probe` until it returns a value, failing with Prometheus's output after the deadline. */
async function until<T>(
  what: string,
  server: PrometheusServer,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`prometheus exited:\n${server.output()}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function api<T>(server: PrometheusServer, path: string): Promise<T> {
  const response = await fetch(`${server.url}/api/v1/${path}`);
  const body = (await response.json()) as { status: string; data: T };
  expect(body.status, JSON.stringify(body)).toBe('success');
  return body.data;
}

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

interface Rule {
  name: string;
  type: string;
  state?: string;
  health: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Waits until Prometheus reports an alert named `name` in one of `states`. */
function alertIn(server: PrometheusServer, name: string, states: Alert['state'][]): Promise<Alert> {
  return until(`${name} is ${states.join(' or ')}`, server, async () => {
    const { alerts } = await api<{ alerts: Alert[] }>(server, 'alerts');
    return alerts.find((alert) => alert.labels.alertname === name && states.includes(alert.state));
  });
}

describe('a real Prometheus scraping Lift with its alert rules', () => {
  let dir: string;
  let observed: ObservedLift;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lift-prometheus-'));
    observed = await startObservedLift();
    prometheus = await startPrometheus(dir, new URL(observed.metricsUrl));
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.child.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.child.once('exit', resolve));
      prometheus.child.kill('SIGTERM');
      await exited;
    }
    await observed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes Lift: http_requests_total by route template, and the target is up', async () => {
    for (const id of ['a', 'b', 'c']) {
      const response = await fetch(`${observed.lift.url}/broken/${id}`);
      await response.body?.cancel();
    }
    const ping = await fetch(`${observed.lift.url}/ping`);
    expect(ping.status).toBe(200);
    const series = await until('Prometheus has the /ping requests', prometheus, async () => {
      const { result } = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        prometheus,
        `query?query=${encodeURIComponent('http_requests_total{route="/ping"}')}`,
      );
      return result.length > 0 ? result : undefined;
    });
    expect(series[0]?.metric).toMatchObject({ job: 'lift', method: 'GET', route: '/ping', status: '200' });
    // The raw paths never become labels: three ids, one route template.
    const broken = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
      prometheus,
      `query?query=${encodeURIComponent('http_requests_total{status="500"}')}`,
    );
    expect(broken.result.map((entry) => entry.metric.route)).toEqual(['/broken/:id']);
    const up = await api<{ result: { value: [number, string] }[] }>(prometheus, 'query?query=up');
    expect(up.result.map((entry) => entry.value[1])).toEqual(['1']);
  }, 60_000);

  it('loads every alert rule, each with a state, a severity and its runbook', async () => {
    const { groups } = await api<{ groups: { name: string; rules: Rule[] }[] }>(
      prometheus,
      'rules?type=alert',
    );
    const rules = groups.flatMap((group) => group.rules);
    const names = [...readFileSync(ALERTS_FILE, 'utf8').matchAll(/- alert: (\S+)/g)].map((match) => match[1]);
    expect(rules.map((rule) => rule.name).sort()).toEqual([...names].sort());
    const operations = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
    for (const rule of rules) {
      expect(rule.health, `${rule.name}: ${JSON.stringify(rule)}`).not.toBe('err');
      expect(['inactive', 'pending', 'firing']).toContain(rule.state);
      // info: worth a look, never a page (LiftNoWebSocketConnections).
      expect(['info', 'warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations).toMatchObject({
        summary: expect.any(String),
        description: expect.any(String),
        runbook_url: `docs/operations.md#${rule.name.toLowerCase()}`,
      });
      expect(operations).toContain(`### ${rule.name}\n`);
    }
  });

  it('puts LiftHigh5xxRatio in pending while a route keeps failing', async () => {
    const failing = setInterval(() => {
      fetch(`${observed.lift.url}/broken/x`).then(
        (response) => response.body?.cancel(),
        () => undefined,
      );
    }, 100);
    try {
      const alert = await alertIn(prometheus, 'LiftHigh5xxRatio', ['pending', 'firing']);
      expect(alert.labels).toMatchObject({ job: 'lift', severity: 'critical' });
      expect(alert.annotations.description).toMatch(/% of the requests to lift ended in a 5xx/);
    } finally {
      clearInterval(failing);
    }
  }, 60_000);

  it('fires LiftTokenReuseDetected when a rotated refresh token is replayed', async () => {
    await exerciseIdentity(observed.lift);
    const alert = await alertIn(prometheus, 'LiftTokenReuseDetected', ['firing']);
    expect(alert.labels).toMatchObject({ job: 'lift', severity: 'critical' });
  }, 60_000);
});
