import { readFileSync } from 'node:fs';
import { repoRoot } from '../support/lift-process.ts';

/**
 * The PromQL of Lift's dashboard and alert rules, as the tests check it: every expression, Grafana's
 * variables replaced by values Prometheus accepts, and the metric names each one reads.
 */

export const ALERTS_FILE = `${repoRoot}/deploy/prometheus/alerts.yml`;
export const ALERT_TESTS_FILE = `${repoRoot}/deploy/prometheus/alerts.test.yml`;
export const DASHBOARD_FILE = `${repoRoot}/deploy/grafana/lift.json`;

interface DashboardJson {
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
}

export function dashboard(): DashboardJson {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as DashboardJson;
}

/** Each panel target's expression, and the series selector of each `label_values(selector, label)` variable. */
export function dashboardExpressions(): { where: string; expr: string }[] {
  const board = dashboard();
  const out: { where: string; expr: string }[] = [];
  for (const panel of board.panels) {
    for (const target of panel.targets ?? [])
      out.push({ where: `panel "${panel.title}"`, expr: target.expr });
  }
  for (const variable of board.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    if (selector === undefined) throw new Error(`variable ${variable.name}: not label_values(…): ${query}`);
    out.push({ where: `variable "${variable.name}"`, expr: selector });
  }
  return out;
}

/** What Grafana puts in place of its variables before sending a query: a range, a job, every instance. */
const GRAFANA_VALUES: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  job: 'lift',
  instance: '.*',
};

export function withGrafanaValues(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = GRAFANA_VALUES[name];
    if (value === undefined) throw new Error(`no test value for the Grafana variable ${whole} in ${expr}`);
    return value;
  });
}

/** The `expr:` of every rule in alerts.yml (single-line, or a `|` block of the lines indented below it). */
export function alertExpressions(): { where: string; expr: string }[] {
  const lines = readFileSync(ALERTS_FILE, 'utf8').split('\n');
  const out: { where: string; expr: string }[] = [];
  let alert = '';
  lines.forEach((line, index) => {
    const name = /^\s*- alert: (\S+)/.exec(line)?.[1];
    if (name) alert = name;
    const match = /^(\s*)expr: (.*)$/.exec(line);
    if (!match) return;
    const [, indent = '', rest = ''] = match;
    if (rest.trim() !== '|') {
      out.push({ where: `alert ${alert}`, expr: rest });
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== '' && next.length - next.trimStart().length <= indent.length) break;
      block.push(next.trim());
    }
    out.push({ where: `alert ${alert}`, expr: block.join(' ').trim() });
  });
  return out;
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/**
 * The metric names an expression reads: identifiers outside strings, label matchers, ranges and grouping
 * clauses that are neither functions, aggregations nor keywords.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\w+/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name = '', call] = match;
    if (call === undefined && !PROMQL_WORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/**
 * Whether a scrape exports the family a name reads: the name itself, or a histogram's `_bucket`, `_sum` or
 * `_count` series.
 */
export function exportedFamilies(scrape: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1] ?? '', match[2] ?? '');
  return families;
}

export function isExported(name: string, families: Map<string, string>): boolean {
  if (families.has(name)) return true;
  const base = /^(.*)_(?:bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && ['histogram', 'summary'].includes(families.get(base) ?? '');
}
