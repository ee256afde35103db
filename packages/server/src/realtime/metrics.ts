import type {
  Counter,
  CounterSeries,
  GaugeSeries,
  HistogramSeries,
  MetricSpec,
  ModuleMetrics,
} from '../core/metrics.ts';

/**
 * What the realtime module exports (docs/metrics.md). No label carries a user, connection or channel name:
 * those are unbounded. Per-user counts come from `count()`, not from Prometheus.
 */
export const REALTIME_METRICS: readonly MetricSpec[] = [
  {
    name: 'websocket_connections_total',
    type: 'counter',
    help: 'WebSocket upgrade attempts, by status: accepted, or refused (see websocket_auth_failures_total for why).',
    labels: ['status'],
  },
  {
    name: 'websocket_active_connections',
    type: 'gauge',
    help: 'Open WebSocket connections on this process.',
  },
  {
    name: 'websocket_connection_duration_seconds',
    type: 'histogram',
    help: 'How long WebSocket connections stayed open.',
    buckets: [1, 10, 60, 300, 900, 1800, 3600, 14_400, 86_400],
  },
  {
    name: 'websocket_auth_failures_total',
    type: 'counter',
    help: 'Refused WebSocket and SSE connection attempts, by reason (missing_credentials, token_expired, origin_not_allowed, user_connection_limit …).',
    labels: ['reason'],
  },
  {
    name: 'websocket_auth_latency_seconds',
    type: 'histogram',
    help: 'Time from the upgrade request to the decision to accept or refuse it.',
  },
  {
    name: 'websocket_messages_sent_total',
    type: 'counter',
    help: 'Frames sent to clients, by message type.',
    labels: ['message_type'],
  },
  {
    name: 'websocket_messages_received_total',
    type: 'counter',
    help: 'Frames received from clients.',
  },
  {
    name: 'websocket_errors_total',
    type: 'counter',
    help: 'Socket and protocol errors, by type (socket, too_big, bad_message).',
    labels: ['error_type'],
  },
  {
    name: 'websocket_disconnects_total',
    type: 'counter',
    help: 'Connections the server closed, by reason (credential_expired, revoked, disconnected, slow_consumer, heartbeat, too_many_messages, bad_message, shutdown).',
    labels: ['reason'],
  },
  {
    name: 'realtime_publications_total',
    type: 'counter',
    help: 'Publications made on this process (server or client publish).',
  },
  {
    name: 'realtime_subscriptions_total',
    type: 'counter',
    help: 'Subscribe requests, by outcome: allowed, forbidden, unknown_namespace, bad_channel.',
    labels: ['outcome'],
  },
  {
    name: 'realtime_recoveries_total',
    type: 'counter',
    help: 'Resubscriptions with a position, by outcome: recovered (every missed publication sent) or gap (recovered: false).',
    labels: ['outcome'],
  },
  {
    name: 'sse_active_streams',
    type: 'gauge',
    help: 'Open Server-Sent Events streams on this process.',
  },
];

export interface RealtimeMetrics {
  connections: Counter;
  active: GaugeSeries;
  duration: HistogramSeries;
  authFailures: Counter;
  authLatency: HistogramSeries;
  received: CounterSeries;
  errors: Counter;
  disconnects: Counter;
  publications: CounterSeries;
  subscriptions: Counter;
  recoveries: Counter;
  sseActive: GaugeSeries;
  /** Counts one frame sent, by message type (series kept per type). */
  sent(type: string): void;
}

export function realtimeMetrics(metrics: ModuleMetrics): RealtimeMetrics {
  const sentTotal = metrics.counter('websocket_messages_sent_total');
  const sentByType = new Map<string, CounterSeries>();
  return {
    connections: metrics.counter('websocket_connections_total'),
    active: metrics.gauge('websocket_active_connections'),
    duration: metrics.histogram('websocket_connection_duration_seconds'),
    authFailures: metrics.counter('websocket_auth_failures_total'),
    authLatency: metrics.histogram('websocket_auth_latency_seconds'),
    received: metrics.counter('websocket_messages_received_total'),
    errors: metrics.counter('websocket_errors_total'),
    disconnects: metrics.counter('websocket_disconnects_total'),
    publications: metrics.counter('realtime_publications_total'),
    subscriptions: metrics.counter('realtime_subscriptions_total'),
    recoveries: metrics.counter('realtime_recoveries_total'),
    sseActive: metrics.gauge('sse_active_streams'),
    sent(type) {
      let series = sentByType.get(type);
      if (series === undefined) {
        series = sentTotal.series({ message_type: type });
        sentByType.set(type, series);
      }
      series.inc();
    },
  };
}
