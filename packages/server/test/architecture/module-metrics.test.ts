import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shippedModules } from '../../src/app/default-modules.ts';

/**
 * The metrics each module declares through its contract (`metrics`, for the telemetry module to register):
 * Prometheus names (base units, counters end in `_total`), no label that could carry a person or a secret, no
 * name declared twice, and every one listed where docs/architecture.md and the module's README say so.
 */

const root = new URL('../../../../', import.meta.url);
const READMES: Record<string, string> = {
  sessions: 'packages/server/src/sessions/README.md',
  identity: 'packages/server/src/identity/README.md',
  access: 'packages/server/src/access/README.md',
  tokens: 'packages/server/src/tokens/README.md',
  remoteTokens: 'packages/server/src/tokens/remote/README.md',
  limits: 'packages/server/src/limits/README.md',
  signing: 'packages/server/src/signing/README.md',
  realtime: 'packages/server/src/realtime/README.md',
};
/** A label value must never be a user id, an email or a token (issue 13): these names would invite one. */
const FORBIDDEN_LABELS = /^(user|user_id|email|token|session|session_id|tenant_id|ip|key|jti|sub)$/;

const modules = shippedModules();
const declared = modules.flatMap((module) => (module.metrics ?? []).map((metric) => ({ module, metric })));

describe('metrics declared by modules', () => {
  it('every shipped module declares its metrics, each name once', () => {
    expect(
      modules.filter((module) => (module.metrics ?? []).length === 0).map((module) => module.name),
    ).toEqual([]);
    const names = declared.map(({ metric }) => metric.name);
    expect(names.length).toBeGreaterThan(10);
    expect(new Set(names).size).toBe(names.length);
  });

  it('follows Prometheus naming: snake case, counters end in _total, histograms in a base unit', () => {
    const wrong = declared
      .filter(({ metric }) => {
        if (!/^[a-z][a-z0-9_]*$/.test(metric.name)) return true;
        if (metric.type === 'counter') return !metric.name.endsWith('_total');
        if (metric.type === 'histogram') return !/_(seconds|bytes)$/.test(metric.name);
        return metric.name.endsWith('_total');
      })
      .map(({ metric }) => metric.name);
    expect(wrong).toEqual([]);
    expect(declared.filter(({ metric }) => metric.help.length < 10).map(({ metric }) => metric.name)).toEqual(
      [],
    );
  });

  it('has no label that would carry a person, an address or a secret', () => {
    const labels = declared.flatMap(({ metric }) =>
      (metric.labels ?? []).map((label) => `${metric.name}{${label}}`),
    );
    expect(labels.filter((entry) => FORBIDDEN_LABELS.test(entry.slice(entry.indexOf('{') + 1, -1)))).toEqual(
      [],
    );
  });

  it('docs/architecture.md and each module README name every metric of the module', () => {
    const architecture = readFileSync(new URL('docs/architecture.md', root), 'utf8');
    const missing: string[] = [];
    for (const { module, metric } of declared) {
      const row = architecture
        .split('\n')
        .find((line) => line.startsWith(`| \`${module.name}\``) && line.includes('_'));
      if (!row?.includes(`\`${metric.name}\``))
        missing.push(`docs/architecture.md ${module.name} ${metric.name}`);
      const readme = READMES[module.name];
      if (!readme || !readFileSync(new URL(readme, root), 'utf8').includes(`\`${metric.name}\``)) {
        missing.push(`${readme ?? 'no README'} ${metric.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
