import path from 'node:path';
import type { Logger } from 'pino';
import { sqlAccessPorts } from '../../access/adapters.ts';
import type { Clock } from '../../core/clock.ts';
import type { LiftConfig } from '../../core/config/schema.ts';
import { EVENTS_CHANNEL } from '../../core/events.ts';
import { BrokerInvalidation } from '../../core/invalidation.ts';
import type { ModuleMetrics } from '../../core/metrics.ts';
import type { LiftPorts } from '../../core/module.ts';
import type { Tracer } from '../../core/tracing.ts';
import { sqlIdentityPorts } from '../../identity/adapters.ts';
import { createRateLimitStore } from '../../limits/adapters.ts';
import type { RateLimitStore } from '../../limits/index.ts';
import { createMailTransport, type MailTransport, mailUrlOf } from '../../mail/index.ts';
import { createRealtimeStores } from '../../realtime/adapters.ts';
import type { RealtimeStores } from '../../realtime/index.ts';
import { createSessionStore } from '../../sessions/adapters.ts';
import type { SessionStore } from '../../sessions/index.ts';
import type { MigrationSet, Storage } from '../../storage/index.ts';
import {
  ChangeFeedBroker,
  createStorage,
  Outbox,
  outboxMigrations,
  outboxOrigin,
  outboxOwner,
  SqlEventRows,
  SqlOutboxStore,
} from '../../storage/index.ts';
import { observedPorts, recordOutboxBacklog } from '../../telemetry/index.ts';
import { sqlTokensPorts } from '../../tokens/adapters.ts';

/**
 * The SQL shape: every durable port on the SQL database `storage.url` names (SQLite embedded, PostgreSQL
 * scaled), hot state and news on `storage.kv` / `storage.broker` (SQL table, memory or Redis), sessions on SQL
 * or Redis in front of it. The embedded and the scaled shape differ only in those URLs, so they share this one
 * factory; a DynamoDB shape will be a second factory returning the same `LiftPorts`.
 *
 * Nothing here does I/O: connections open on first use.
 */

export interface SqlShape {
  storage: Storage;
  ports: LiftPorts;
  /** Security events and jobs written durably, relayed and run; news between processes (storage/outbox/). */
  outbox: Outbox;
  /** The mail transport, when a module has taken it. */
  mail(): MailTransport | undefined;
  /** The SQLite database file (the `disk` health component); undefined on PostgreSQL or in memory. */
  sqliteFile: string | undefined;
}

export function sqlShape(input: {
  config: LiftConfig;
  log: Logger;
  clock: Clock;
  /** With tracing on, every port call becomes a span (telemetry/observed-ports.ts). */
  tracer: Tracer;
  /** The store metrics' handles (telemetry/observed-ports.ts), undefined when metrics are off. */
  storeMetrics: ModuleMetrics | undefined;
  /** The migrations of the app's modules, in module order. */
  moduleMigrations: readonly MigrationSet[];
  /** The app's own migration sets. */
  migrations: readonly MigrationSet[];
}): SqlShape {
  const { config, log, clock } = input;
  const origin = outboxOrigin();
  const owner = outboxOwner();
  let store: SqlOutboxStore | undefined;
  let feed: ChangeFeedBroker | undefined;
  const settings = config.storage.outbox;
  const url = config.storage.url ?? `sqlite:${path.join(config.dataDir, 'lift.db')}`;
  const storage = createStorage({
    url,
    kv: config.storage.kv,
    broker: config.storage.broker,
    poolSize: config.storage.poolSize,
    redisPrefix: config.storage.redisPrefix,
    moduleMigrations: input.moduleMigrations,
    migrationSets: [outboxMigrations, ...input.migrations],
    clock,
    // Without Redis, processes sharing the database hear each other through it (storage/outbox/change-feed.ts).
    wrapMemoryBroker(memory, sql) {
      store = new SqlOutboxStore(sql, { clock, origin });
      feed = new ChangeFeedBroker(memory, {
        store,
        clock,
        log,
        origin,
        pollMs: settings.feedPollMs,
        windowMs: 10_000,
        durableChannels: [EVENTS_CHANNEL],
      });
      return feed;
    },
  });
  const outbox = new Outbox({
    store: store ?? new SqlOutboxStore(storage.sql, { clock, origin }),
    broker: () => storage.broker,
    clock,
    log,
    owner,
    settings,
    tracer: input.tracer,
    ...(feed ? { feed } : {}),
  });
  // Stores write the events of a change in its transaction; this process publishes them once committed.
  const eventRows = new SqlEventRows({
    channel: EVENTS_CHANNEL,
    origin,
    owner,
    leaseMs: settings.leaseMs,
    clock,
  });
  const made = sqlPorts({ config, log, clock, storage, jobs: outbox, eventRows });
  if (input.storeMetrics) recordOutboxBacklog(input.storeMetrics, outbox, () => clock.now());
  const ports = observedPorts(made.ports, {
    tracer: input.tracer,
    metrics: input.storeMetrics,
    adapterOf: (port) => adapterOf(config, port),
  });
  const sqliteFile = /^sqlite:(.+)$/.exec(url.trim())?.[1];
  return {
    storage,
    ports,
    outbox,
    mail: made.mail,
    sqliteFile: sqliteFile === ':memory:' ? undefined : sqliteFile,
  };
}

/** The backend behind a port, for the store metrics' `adapter` label. */
function adapterOf(config: LiftConfig, port: string): string {
  const sql = (config.storage.url ?? 'sqlite:').startsWith('postgres') ? 'postgres' : 'sqlite';
  const backend = (url: string) => (url === 'sql' ? sql : url.startsWith('redis') ? 'redis' : 'memory');
  switch (port) {
    case 'kv':
      return backend(config.storage.kv);
    case 'broker':
    case 'invalidation':
      return backend(config.storage.broker);
    case 'sessions': {
      const choice = (config as { sessions?: { store?: string } }).sessions?.store ?? 'sql';
      const redis = choice === 'redis' || (choice === 'auto' && backend(config.storage.kv) === 'redis');
      return redis ? 'redis' : sql;
    }
    case 'rateLimits': {
      const choice = (config as { limits?: { store?: string } }).limits?.store ?? 'auto';
      if (choice === 'sql' || choice === 'memory' || choice === 'redis')
        return choice === 'sql' ? sql : choice;
      return config.storage.kv === 'sql' ? sql : backend(config.storage.kv);
    }
    default:
      return sql;
  }
}

/** The ports of every module on the SQL shape's stores; mail and sessions are made when a module takes them. */
function sqlPorts(input: {
  config: LiftConfig;
  log: Logger;
  clock: Clock;
  storage: Storage;
  jobs: Outbox;
  eventRows: SqlEventRows;
}): { ports: LiftPorts; mail: () => MailTransport | undefined } {
  const { config, log, clock, storage, eventRows } = input;
  let mail: MailTransport | undefined;
  let sessions: SessionStore | undefined;
  let rateLimits: RateLimitStore | undefined;
  let realtime: RealtimeStores | undefined;
  const ports: LiftPorts = {
    kv: storage.kv,
    broker: storage.broker,
    invalidation: new BrokerInvalidation(() => storage.broker, log),
    jobs: input.jobs,
    // Made when a module takes it: an app without identity needs no `mail.url`, even in production.
    get mail() {
      mail ??= createMailTransport({
        url: mailUrlOf(config),
        dataDir: config.dataDir,
        from: config.mail.from,
        clock,
      });
      return mail;
    },
    ...sqlIdentityPorts(storage.sql, clock, eventRows),
    // Made when the sessions module takes it: its settings are the sessions module's config section.
    get sessions() {
      sessions ??= createSessionStore({ config, storage, log, clock, eventRows });
      return sessions;
    },
    // Made on the first rate-limit decision: its settings are the limits module's config section.
    get rateLimits() {
      rateLimits ??= createRateLimitStore({ config, storage, clock });
      return rateLimits;
    },
    // Made when the realtime module starts: memory, or Redis when storage.kv is one (every node shares it).
    get realtime() {
      realtime ??= createRealtimeStores({ config, clock });
      return realtime;
    },
    ...sqlTokensPorts(storage.sql, eventRows),
    ...sqlAccessPorts(storage.sql, clock, eventRows),
  };
  return { ports, mail: () => mail };
}
