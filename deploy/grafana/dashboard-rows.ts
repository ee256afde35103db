/**
 * What Lift's Grafana dashboard shows: one entry per row, each panel with its PromQL. build-dashboard.ts lays
 * them out as Grafana JSON. A later issue's metrics (API keys, realtime) get one more row here.
 */

/** Every query's series selector: the chosen job and instances. */
const SELECTOR = 'job=~"$job",instance=~"$instance"';
const WINDOW = '$__rate_interval';

export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  /** A stat shows the latest value instead of a time series. */
  kind?: 'timeseries' | 'stat';
  stacked?: boolean;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

/** `metric{job…,instance…,extra}`. */
function series(metric: string, extra = ''): string {
  return `${metric}{${SELECTOR}${extra ? `,${extra}` : ''}}`;
}

function rate(metric: string, extra = ''): string {
  return `rate(${series(metric, extra)}[${WINDOW}])`;
}

function quantile(q: number, histogram: string, by: string[]): string {
  return `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (${rate(`${histogram}_bucket`)}))`;
}

/** The share of `metric`'s rate that matches `part`. */
function ratio(metric: string, part: string): string {
  return `sum(${rate(metric, part)}) / sum(${rate(metric)})`;
}

function q(expr: string, legend: string): Query {
  return { expr, legend };
}

export const ROWS: RowSpec[] = [
  {
    title: 'HTTP',
    panels: [
      {
        title: 'Requests by route and status',
        description: 'Requests per second, by route template and status code.',
        unit: 'reqps',
        stacked: true,
        queries: [q(`sum by (route, status) (${rate('http_requests_total')})`, '{{route}} {{status}}')],
      },
      {
        title: '5xx ratio',
        description: 'Share of responses that are server errors (alert LiftHigh5xxRatio above 1 %).',
        unit: 'percentunit',
        queries: [q(ratio('http_requests_total', 'status=~"5.."'), '5xx')],
      },
      {
        title: 'Latency by route',
        description: 'p50, p95 and p99 of the request duration, by route template.',
        unit: 's',
        queries: [0.5, 0.95, 0.99].map((level) =>
          q(
            quantile(level, 'http_request_duration_seconds', ['route']),
            `p${Math.round(level * 100)} {{route}}`,
          ),
        ),
      },
    ],
  },
  {
    title: 'Authentication',
    panels: [
      {
        title: 'Attempts by outcome and reason',
        description: 'Authentication attempts per second by method, outcome and refusal reason.',
        unit: 'ops',
        stacked: true,
        queries: [
          q(
            `sum by (method, outcome, reason) (${rate('auth_attempts_total')})`,
            '{{method}} {{outcome}} {{reason}}',
          ),
        ],
      },
      {
        title: 'Failure ratio',
        description: 'Share of authentication attempts that fail (alert LiftAuthFailureRatioHigh above 5 %).',
        unit: 'percentunit',
        queries: [q(ratio('auth_attempts_total', 'outcome="failure"'), 'failures')],
      },
      {
        title: 'Authentication latency p95',
        description: 'p95 of the time one authentication takes, by method (alert above 100 ms).',
        unit: 's',
        queries: [q(quantile(0.95, 'auth_latency_seconds', ['method']), '{{method}}')],
      },
      {
        title: 'Lockouts',
        description: 'Accounts locked after too many failed secrets.',
        unit: 'short',
        queries: [q(`sum(increase(${series('lockouts_total')}[${WINDOW}]))`, 'lockouts')],
      },
    ],
  },
  {
    title: 'Sessions',
    panels: [
      {
        title: 'Active sessions',
        description: 'Sessions in the store; every instance reads the same store, hence the maximum.',
        unit: 'short',
        kind: 'stat',
        queries: [q(`max(${series('sessions_active')})`, 'active')],
      },
      {
        title: 'Created and revoked',
        description: 'Sessions created, and revoked by reason, per second.',
        unit: 'ops',
        queries: [
          q(`sum(${rate('sessions_created_total')})`, 'created'),
          q(`sum by (reason) (${rate('sessions_revoked_total')})`, 'revoked {{reason}}'),
        ],
      },
    ],
  },
  {
    title: 'Tokens',
    panels: [
      {
        title: 'Issued by type',
        description: 'Tokens issued per second, by type.',
        unit: 'ops',
        stacked: true,
        queries: [q(`sum by (type) (${rate('tokens_issued_total')})`, '{{type}}')],
      },
      {
        title: 'Verifications by outcome',
        description: 'Bearer token verifications per second: ok, or the refusal reason.',
        unit: 'ops',
        stacked: true,
        queries: [q(`sum by (outcome) (${rate('token_verifications_total')})`, '{{outcome}}')],
      },
      {
        title: 'Refresh token reuse',
        description: 'Rotated refresh tokens played again (each one pages: LiftTokenReuseDetected).',
        unit: 'short',
        queries: [q(`sum(increase(${series('token_reuse_detected_total')}[${WINDOW}]))`, 'reuse')],
      },
    ],
  },
  {
    title: 'Access',
    panels: [
      {
        title: 'Denied by code',
        description: 'Authorization refusals per second, by error code.',
        unit: 'ops',
        stacked: true,
        queries: [q(`sum by (code) (${rate('access_denied_total')})`, '{{code}}')],
      },
      {
        title: 'Permission cache hit ratio',
        description: 'Share of permission lookups answered from the cache.',
        unit: 'percentunit',
        queries: [q(ratio('access_cache_lookups_total', 'result="hit"'), 'hits')],
      },
      {
        title: 'Permission check p95',
        description: 'p95 of the time a permission check takes.',
        unit: 's',
        queries: [q(quantile(0.95, 'access_check_duration_seconds', []), 'p95')],
      },
    ],
  },
  {
    title: 'Stores',
    panels: [
      {
        title: 'Operation latency p95',
        description: 'p95 of store calls by store and operation.',
        unit: 's',
        queries: [
          q(
            quantile(0.95, 'store_operation_duration_seconds', ['store', 'operation']),
            '{{store}} {{operation}}',
          ),
        ],
      },
      {
        title: 'Errors',
        description: 'Failed store calls per second by store and adapter (alert LiftStoreErrors).',
        unit: 'ops',
        queries: [q(`sum by (store, adapter) (${rate('store_errors_total')})`, '{{store}} {{adapter}}')],
      },
    ],
  },
  {
    title: 'Outbox',
    panels: [
      {
        title: 'Lag',
        description: 'Age of the oldest event not yet relayed (alert LiftOutboxLagHigh above 60 s).',
        unit: 's',
        queries: [q(`max(${series('outbox_lag_seconds')})`, 'lag')],
      },
      {
        title: 'Pending events',
        description: 'Events written but not yet relayed.',
        unit: 'short',
        queries: [q(`max(${series('outbox_pending_events')})`, 'pending')],
      },
    ],
  },
  {
    title: 'Process',
    panels: [
      {
        title: 'CPU',
        description: 'CPU seconds per second, by instance.',
        unit: 'percentunit',
        queries: [q(rate('process_cpu_seconds_total'), '{{instance}}')],
      },
      {
        title: 'Resident memory',
        description: 'Resident set size, by instance.',
        unit: 'bytes',
        queries: [q(series('process_resident_memory_bytes'), '{{instance}}')],
      },
      {
        title: 'Heap used',
        description: 'V8 heap in use, by instance.',
        unit: 'bytes',
        queries: [q(series('nodejs_heap_size_used_bytes'), '{{instance}}')],
      },
      {
        title: 'Event-loop lag p99',
        description:
          'p99 of the event-loop delay, by instance: what every request waits on top of its own work.',
        unit: 's',
        queries: [q(series('nodejs_eventloop_lag_p99_seconds'), '{{instance}}')],
      },
    ],
  },
  {
    title: 'Rate limiting',
    panels: [
      {
        title: 'Decisions by outcome',
        description:
          'rateLimit() decisions per second: allowed, limited (429), failed_open / failed_closed (store down).',
        unit: 'reqps',
        stacked: true,
        queries: [
          q(`sum by (outcome) (rate(${series('rate_limit_decisions_total')}[${WINDOW}]))`, '{{outcome}}'),
        ],
      },
      {
        title: 'Limited by policy',
        description: 'Requests refused with 429 per second, by policy: which limit clients are hitting.',
        unit: 'reqps',
        queries: [
          q(
            `sum by (policy) (rate(${series('rate_limit_decisions_total', 'outcome="limited"')}[${WINDOW}]))`,
            '{{policy}}',
          ),
        ],
      },
      {
        title: 'Store errors',
        description:
          'Decisions the rate-limit store could not make, by policy (alert LiftRateLimitStoreErrors).',
        unit: 'short',
        queries: [
          q(
            `sum by (policy) (increase(${series('rate_limit_store_errors_total')}[${WINDOW}]))`,
            '{{policy}}',
          ),
        ],
      },
    ],
  },
  {
    title: 'Realtime',
    panels: [
      {
        title: 'Open WebSocket connections',
        description:
          'Open connections by instance (alert LiftNoWebSocketConnections when none for 10 minutes). Per-user counts come from the count API, never a label.',
        unit: 'short',
        queries: [q(`sum by (instance) (${series('websocket_active_connections')})`, '{{instance}}')],
      },
      {
        title: 'Connection attempts',
        description:
          'Upgrade attempts per second, accepted or refused (alert LiftWebSocketAuthFailureRatioHigh).',
        unit: 'reqps',
        stacked: true,
        queries: [q(`sum by (status) (${rate('websocket_connections_total')})`, '{{status}}')],
      },
      {
        title: 'Refusals by reason',
        description:
          'Why attempts were refused: the credential, the Origin, the per-user or per-address limit.',
        unit: 'reqps',
        queries: [q(`sum by (reason) (${rate('websocket_auth_failures_total')})`, '{{reason}}')],
      },
      {
        title: 'Admission latency p95',
        description:
          'p95 of the checks on an upgrade request (alert LiftWebSocketAuthLatencyHigh above 100 ms).',
        unit: 's',
        queries: [q(quantile(0.95, 'websocket_auth_latency_seconds', []), 'p95')],
      },
      {
        title: 'Frames sent by type',
        description: 'Frames per second to clients: publications, replies, pongs, presence.',
        unit: 'ops',
        queries: [q(`sum by (message_type) (${rate('websocket_messages_sent_total')})`, '{{message_type}}')],
      },
      {
        title: 'Server-side closes by reason',
        description:
          'Connections the server closed: revoked (logout), credential_expired, slow_consumer, heartbeat, too_many_messages.',
        unit: 'ops',
        queries: [q(`sum by (reason) (${rate('websocket_disconnects_total')})`, '{{reason}}')],
      },
      {
        title: 'Recoveries',
        description: 'Resubscriptions that got every missed publication (recovered) or were told of a gap.',
        unit: 'ops',
        queries: [q(`sum by (outcome) (${rate('realtime_recoveries_total')})`, '{{outcome}}')],
      },
    ],
  },
  {
    title: 'Readiness',
    panels: [
      {
        title: 'Ready',
        description: '1 while /health/ready answers 200, 0 while it answers 503 (alert LiftNotReady).',
        unit: 'short',
        queries: [q(series('readiness_state'), '{{instance}}')],
      },
      {
        title: 'Readiness transitions',
        description: 'Switches between ready and not ready (alert LiftReadinessFlapping above 4 in 15 min).',
        unit: 'short',
        queries: [q(`increase(${series('readiness_transitions_total')}[${WINDOW}])`, '{{instance}}')],
      },
      {
        title: 'Scrape up',
        description: '1 while Prometheus can scrape the instance (alert LiftTargetDown).',
        unit: 'short',
        queries: [q(series('up'), '{{instance}}')],
      },
    ],
  },
];
