import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type PanelSpec, ROWS } from './dashboard-rows.ts';

/**
 * Generates `lift.json`, Lift's Grafana dashboard: `node --import tsx deploy/grafana/build-dashboard.ts`.
 * The JSON is committed (import it as is); a test keeps it equal to what this script builds and checks every
 * PromQL expression with promtool and every metric name against a live scrape. The rows and their queries are
 * in dashboard-rows.ts; this file lays them out as Grafana JSON.
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

const ROW_HEIGHT = 1;
const PANEL_HEIGHT = 8;

/** Grafana's panel JSON for one spec; panels of a row share its 24 columns. */
function panelJson(spec: PanelSpec, id: number, x: number, y: number, width: number): object {
  const kind = spec.kind ?? 'timeseries';
  return {
    id,
    type: kind,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { h: PANEL_HEIGHT, w: width, x, y },
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(kind === 'timeseries'
          ? {
              custom: {
                drawStyle: 'line',
                fillOpacity: 10,
                stacking: { mode: spec.stacked ? 'normal' : 'none' },
              },
            }
          : {}),
      },
      overrides: [],
    },
    options:
      kind === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, graphMode: 'area' }
        : {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi' },
          },
    targets: spec.queries.map((query, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource: DATASOURCE,
      expr: query.expr,
      legendFormat: query.legend,
      range: true,
    })),
  };
}

function panels(): object[] {
  const out: object[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    out.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: ROW_HEIGHT, w: 24, x: 0, y },
      panels: [],
    });
    y += ROW_HEIGHT;
    const width = Math.floor(24 / row.panels.length);
    row.panels.forEach((spec, index) => {
      out.push(panelJson(spec, id++, index * width, y, width));
    });
    y += PANEL_HEIGHT;
  }
  return out;
}

function variable(name: string, label: string, metricSelector: string): object {
  const query = `label_values(${metricSelector}, ${name})`;
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    query: { query, refId: `${name}-values` },
    definition: query,
    refresh: 2,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  };
}

export function buildDashboard(): object {
  return {
    uid: 'lift-overview',
    title: 'Lift',
    description:
      "Lift's HTTP, authentication, sessions, tokens, access, stores, outbox, process and readiness.",
    tags: ['lift'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    links: [],
    annotations: { list: [] },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
        },
        variable('job', 'Job', 'http_requests_total'),
        variable('instance', 'Instance', 'http_requests_total{job=~"$job"}'),
      ],
    },
    panels: panels(),
  };
}

/** The file's text: what `lift.json` must contain. */
export function dashboardText(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('lift.json', import.meta.url), dashboardText());
}
