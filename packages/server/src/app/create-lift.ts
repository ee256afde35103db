import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AccessGuards, PermissionDeclarations } from '../access/index.ts';
import { Authenticator } from '../core/authenticate.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { parseConfig } from '../core/config/index.ts';
import type { LiftConfig, LiftConfigInput } from '../core/config/schema.ts';
import type { AppErrorCodeSpec } from '../core/error-codes.ts';
import { LiftConfigError } from '../core/errors.ts';
import { EventPublisher } from '../core/events.ts';
import type { Runtime } from '../core/handler.ts';
import { createLogger, flushLogger } from '../core/logger.ts';
import type { MetricSpec } from '../core/metrics.ts';
import type { LiftModule, LiftModules, ModuleKeys } from '../core/module.ts';
import { ModuleHost } from '../core/module-host.ts';
import { orderModules } from '../core/module-order.ts';
import { watchProcess } from '../core/process-watch.ts';
import { requestLog } from '../core/request-log.ts';
import { notFoundHandler, RouteGroup, routerShared } from '../core/routes.ts';
import type { ResealResult, SealedColumn } from '../core/sealed-column.ts';
import { type ListeningAddress, type NodeServerHandle, startNodeServer } from '../core/server.ts';
import { StoreFailureCounter } from '../core/store-failures.ts';
import type { Tracer } from '../core/tracing.ts';
import { upgradeHandlersOf } from '../core/upgrades.ts';
import type { MailTemplates, MailTransport } from '../mail/index.ts';
import type { MigrationRunResult, MigrationSet, Pingable, Storage } from '../storage/index.ts';
import { migrationsComponent, type Outbox, outboxEventSink } from '../storage/index.ts';
import { type AppHealth, createTracer, type HealthComponent } from '../telemetry/index.ts';
import type { IssueAccessTokenInput } from '../tokens/index.ts';
import type * as Face from './app-faces.ts';
import { appMetrics } from './app-metrics.ts';
import { bootstrapAdminInDevelopment } from './bootstrap-admin.ts';
import { defaultModules, liftModules } from './default-modules.ts';
import { finishApp } from './finish-app.ts';
import { warnInsecureCookie } from './insecure-cookie-warning.ts';
import { type ErrorCatalogEntry, errorCatalog } from './lift-errors.ts';
import { appLoadMonitor } from './load-monitor.ts';
import { mountHealth } from './mount-health.ts';
import { mountModules } from './mount-modules.ts';
import { installPipeline } from './pipeline.ts';
import { migrateCommand, prepareData } from './prepare-data.ts';
import type { RootKeys } from './root-keys.ts';
import { sqlShape } from './shapes/sql-shape.ts';
import { uncataloguedCodeWatch } from './uncatalogued-codes.ts';

/**
 * The composition root (DESIGN §2 rule 2), at the top of the house: `createLift(config, { modules })` reads the
 * config, builds the logger, the pipeline and the adapters of the shape (app/shapes/), hands the modules their
 * ports and builds them in dependency order (core/module-host.ts), mounts their routes and authentication
 * resolvers, and returns the app. `start()` prepares the data and starts the modules in order; `close()` closes
 * them in reverse.
 */

export interface LiftOptions {
  /** Where the app runs: `node` (default, allows Node-style handlers) or `fetch` (any Fetch-API host). */
  runtime?: Runtime;
  clock?: Clock;
  /** A logger to use instead of the one built from `log.level`. */
  logger?: Logger;
  /** The app's own migration sets, applied after Lift's. */
  migrations?: MigrationSet[];
  /**
   * The modules of this app, in any order (they are sorted by what they need). Default: sessions, identity and
   * access when `auth.enabled`, tokens when `tokens.enabled` (app/default-modules.ts); the three options below
   * configure those defaults.
   */
  modules?: LiftModule[];
  /** Replacements for any of the mails Lift sends (verification, reset, lockout …). */
  mailTemplates?: Partial<MailTemplates>;
  /**
   * Extra claims for every access token (a plan, a display name …). Registered claims (`iss`, `sub`, `aud`,
   * `exp`, `iat`, `jti`, `sid`, `tid`, `amr`, `auth_time`, `cnf`) cannot be replaced.
   */
  tokenClaims?: (input: IssueAccessTokenInput) => Record<string, unknown>;
  /**
   * The app's own permissions, `{ 'notes:read': 'Read notes', 'reports:export': { global: true } }`. A guard
   * may only name a declared permission (Lift declares its own): a typo fails when the route is declared.
   */
  permissions?: PermissionDeclarations;
  /**
   * The app's own error codes, `[{ code: 'NOTES_LOCKED', status: 423, meaning: '…' }]`: added to `app.errors`.
   * The `LIFT_` prefix is Lift's: such a code fails `tsc` and the boot.
   */
  errors?: readonly AppErrorCodeSpec[];
  /**
   * The app's own metrics, `[{ name: 'notes_created_total', type: 'counter', help: '…' }]`, recorded through
   * `app.module('telemetry').metrics` and exported with Lift's (docs/metrics.md).
   */
  metrics?: readonly MetricSpec[];
}

export class LiftApp extends RouteGroup {
  readonly config: LiftConfig;
  readonly log: Logger;
  readonly clock: Clock;
  /** The underlying Hono app, for interop; register routes through Lift so forms are checked. */
  readonly hono: Hono;
  readonly #storeFailures = new StoreFailureCounter(() => this.log);
  readonly stats: Face.AppStats;
  readonly #events: EventPublisher;
  readonly #authenticator: Authenticator;
  readonly #tracer: Tracer;
  /** The SQL database, key-value store and broker of the app's shape; connections open on first use. */
  readonly storage: Storage;
  /** Every error code this app may answer with: Lift's, its modules' and its own (app/lift-errors.ts). */
  readonly errors: readonly ErrorCatalogEntry[];
  readonly #outbox: Outbox;
  readonly #modules: ModuleHost;
  readonly #mail: () => MailTransport | undefined;
  readonly #mailPort: () => MailTransport;
  readonly #healthChecks: HealthComponent[] = [];
  readonly #health: AppHealth;
  #started: Promise<void> | undefined;
  #rootKeys: RootKeys | undefined;
  #server: NodeServerHandle | undefined;
  #processHooks: (() => void) | undefined;
  #migrationsReadiness: Pingable | undefined;

  /** @internal — use `createLift()`. */
  constructor(config: LiftConfig, options: LiftOptions) {
    const shared = routerShared(new Hono(), options.runtime ?? 'node', config.env !== 'production');
    const { hono, table } = shared;
    super(shared, '/', [], []);
    this.hono = hono;
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? createLogger({ level: config.log.level });
    this.#tracer = createTracer(config, this.log);
    const { registry, modules, observeRoute, storeMetrics, loadShed } = appMetrics(
      config,
      this.log,
      options.modules ?? defaultModules(config, options),
      options.metrics ?? [],
    );
    const shape = sqlShape({
      config,
      log: this.log,
      clock: this.clock,
      tracer: this.#tracer,
      storeMetrics,
      // Each module's own tables: an app without a module has none of its tables.
      moduleMigrations: modules.flatMap((module) => (module.migrations ? [module.migrations] : [])),
      migrations: options.migrations ?? [],
    });
    this.storage = shape.storage;
    this.#outbox = shape.outbox;
    this.#mail = shape.mail;
    this.#mailPort = () => shape.ports.mail;
    this.#events = new EventPublisher(() => this.storage.broker, this.clock, this.log, {
      durable: outboxEventSink(this.#outbox),
    });
    this.stats = {
      unexpectedErrors: 0,
      uncataloguedErrors: 0,
      unhandledRejections: 0,
      uncaughtExceptions: 0,
      storeUnavailable: this.#storeFailures.counts,
      events: this.#events.stats,
    };
    this.#authenticator = new Authenticator(this.#events, this.#tracer);
    this.#modules = new ModuleHost({
      modules,
      config,
      log: this.log,
      clock: this.clock,
      events: this.#events,
      tracer: this.#tracer,
      ports: shape.ports,
      keys: this.#moduleKeys(),
      listening: () => this.address,
      metrics: (owner) => registry.handles(owner),
    });
    this.errors = errorCatalog(modules, options.errors);
    const load = appLoadMonitor(config, this.log);
    shared.compile = installPipeline(hono, config, this.log, {
      authenticator: this.#authenticator,
      tracer: this.#tracer,
      onUnexpectedError: (error, c) => {
        this.stats.unexpectedErrors += 1;
        (requestLog(c) ?? this.log).error({ err: error }, 'unexpected error while serving a request');
      },
      onStoreUnavailable: (error) => this.#storeFailures.record(error),
      onProblem: uncataloguedCodeWatch(this.errors, this.log, () => void this.stats.uncataloguedErrors++),
      ...(observeRoute ? { observeRoute, loadShed } : {}),
      ...(load ? { load } : {}),
    });
    hono.notFound(shared.compile(notFoundHandler(table)));
    this.#health = mountHealth(this, shape, {
      migrations: () => this.#migrationsCheck(),
      modules: this.#modules,
      added: this.#healthChecks,
      stats: () => this.stats,
      metrics: config.metrics.mode === 'off' ? undefined : registry.handles('telemetry'),
      monitors: load ? [load] : [],
    });
    mountModules(this.#modules.built, this, this.#authenticator, this.#events);
  }

  /** Security and domain events of this app (core/events.ts), published on the broker. */
  get events(): Face.AppEvents {
    return this.#events;
  }

  /** The resolver chain `requireAuth()` runs, in module order: session cookie, bearer token, later API keys. */
  get authenticator(): Face.AppAuthenticator {
    return this.#authenticator;
  }

  /** Durable events and jobs, relayed and run after a crash; news from other processes (storage/outbox/). */
  get outbox(): Face.AppOutbox {
    return this.#outbox;
  }

  /** The names of this app's modules, in start order. */
  get modules(): string[] {
    return this.#modules.built.map(({ module }) => module.name);
  }

  /** The public face of one of the app's modules; a `LiftConfigError` when the app does not have it. */
  module<K extends keyof LiftModules>(name: K): LiftModules[K] {
    const face = this.#modules.face(name);
    if (face === undefined) {
      const hint = this.config.auth.enabled ? 'the module list leaves it out' : 'auth.enabled is false';
      throw new LiftConfigError(`This app has no ${name} module (${hint}).`);
    }
    return face;
  }

  /** Users, credentials and mailed links (identity/). */
  get identity(): Face.AppIdentity {
    return this.module('identity');
  }

  /** Tenants, memberships, roles, grants and invitations, and the in-memory decisions over them (access/). */
  get access(): Face.AppAccess {
    return this.module('access');
  }

  /**
   * Route guards: `requirePermission('notes:write')`, `requireRole('admin')`, `requireTenantMember()` and the
   * object-level `authorize(ctx, permission, { ownerId, tenantId })`. Run them after `requireAuth()`.
   */
  get guards(): AccessGuards {
    return this.access.guards;
  }

  /** The permissions guards may name: Lift's, the `permissions` option's, and what `declare()` adds. */
  get permissions(): Face.AppPermissions {
    return this.access.permissions;
  }

  /** Signing keys, access and refresh tokens, revocation (tokens/). */
  get tokens(): Face.AppTokens {
    return this.module('tokens');
  }

  /** The mail transport named by `mail.url`. */
  get mail(): MailTransport {
    return this.#mailPort();
  }

  /** Serves one request without a socket (tests, serverless). `env` may carry `{ remoteAddress }`. */
  fetch = (request: Request, env?: unknown): Response | Promise<Response> => this.hono.fetch(request, env);

  /** Adds a readiness component (`/health/ready` reports it by name); `critical: false` makes it only degrade. */
  addHealthCheck(name: string, check: Pingable, options: { critical?: boolean } = {}): void {
    this.#healthChecks.push({ name, check, ...options });
  }

  /**
   * Resolves the root secret (generated once in development, required in production), applies pending
   * migrations when `storage.migrate` is auto (the default outside production) or refuses to start while
   * Lift's own are pending, checks the secret opens what is sealed (core/prepare-data.ts), starts the modules
   * in order and, in development with an empty user table, prints a set-password link for a first admin
   * (`bootstrapAdmin: false` skips that). Idempotent.
   */
  start(options: { bootstrapAdmin?: boolean } = {}): Promise<void> {
    this.#started ??= (async () => {
      const { keys, migrate } = await prepareData({
        config: this.config,
        log: this.log,
        storage: this.storage,
        sealedColumns: this.#sealedColumns,
        moduleSets: this.#modules.built.flatMap(({ module }) => module.migrations?.name ?? []),
      });
      this.#rootKeys = keys;
      await this.#outbox.start();
      await this.#modules.start();
      const identity = this.#modules.face('identity');
      if (identity && (options.bootstrapAdmin ?? true) && migrate === 'auto') {
        await bootstrapAdminInDevelopment(identity, this.config, this.log);
      }
      this.#health.start(); // the event-loop monitor: after start-up, whose loading would count as delay
    })();
    return this.#started;
  }

  migrate(): Promise<MigrationRunResult> {
    return this.storage.migrate();
  }

  /** A key for one purpose, derived from the root secret (HKDF); available after `start()`. */
  deriveKey(purpose: string, length = 32): Buffer {
    return this.#keys.derive(purpose, length);
  }

  /**
   * Re-seals every sealed value (MFA secrets, signing keys, refresh-token successors) that a previous root
   * secret sealed with the current one; idempotent and safe while other servers run. After `start()`.
   */
  async resealSecrets(): Promise<ResealResult[]> {
    const results = await this.#keys.reseal(this.storage.sql, this.#sealedColumns);
    const count = (field: 'resealed' | 'current') => results.reduce((sum, r) => sum + r[field], 0);
    this.events.emit('secret.resealed', {
      actor: 'system',
      data: { resealed: count('resealed'), current: count('current') },
    });
    return results;
  }

  get #keys(): RootKeys {
    if (this.#rootKeys === undefined) throw new LiftConfigError('Keys need the app to be started first.');
    return this.#rootKeys;
  }

  /** What modules see of the root keys: usable once `start()` has resolved the root secret. */
  #moduleKeys(): ModuleKeys {
    return {
      derive: (purpose, length) => this.#keys.derive(purpose, length),
      previous: (purpose) => this.#keys.previous(purpose),
    };
  }

  /** The readiness component `migrations`, made on first use. */
  #migrationsCheck(): Pingable {
    this.#migrationsReadiness ??= migrationsComponent(this.storage, migrateCommand(this.config));
    return this.#migrationsReadiness;
  }

  /** Where the modules keep values sealed with keys derived from the root secret. */
  get #sealedColumns(): SealedColumn[] {
    return this.#modules.built.flatMap(({ instance }) => instance.sealedColumns ?? []);
  }

  /** Starts, then listens on `host:port` (config defaults). Logs and counts unhandled errors meanwhile. */
  async listen(options: { host?: string; port?: number } = {}): Promise<ListeningAddress> {
    if (this.#server) throw new LiftConfigError('listen() was called twice on the same app.');
    await this.start();
    warnInsecureCookie(this.config, this.log, this.#modules.has('sessions'));
    const { host = this.config.host, port = this.config.port } = options;
    this.#server = await startNodeServer(this.fetch, host, port, upgradeHandlersOf(this.#modules.built));
    this.#processHooks = watchProcess(this.log, this.stats);
    return this.#server.address;
  }

  /** The address while listening. */
  get address(): ListeningAddress | undefined {
    return this.#server?.address;
  }

  /**
   * Graceful stop: stop accepting, let in-flight requests finish within `shutdownTimeoutMs`, let the queued
   * events run through their handlers, close the modules in reverse order, then the stores. Safe to call twice.
   */
  async close(): Promise<void> {
    await this.#health.drain(); // ready is 503 from now on; health.drainDelayMs before we stop listening
    const server = this.#server;
    if (server) {
      const { drained } = await server.close(this.config.shutdownTimeoutMs);
      if (!drained) this.log.warn('shutdown deadline passed; remaining connections were closed');
    }
    this.#processHooks?.();
    this.#processHooks = undefined;
    // Handlers queued by the last requests still use the modules' stores.
    await this.events.settled();
    await this.#modules.close();
    await this.#outbox.close();
    await this.#mail()?.close();
    await this.storage.close();
    await this.#tracer.close(); // spans still in the batch, the last requests' included
    this.#health.stop();
    await flushLogger(this.log); // the last requests' access lines
  }
}

/**
 * Builds a Lift app from a (partial) configuration; every missing key takes its documented default. The config
 * is checked against core's sections and those of the app's modules: a key of a module the app leaves out is
 * an error (a config `loadConfig` read names its source, `env LIFT_TOKENS__ISSUER`).
 */
export function createLift(config: LiftConfigInput = {}, options: LiftOptions = {}): LiftApp {
  // Composition problems (a missing or doubled module) are named before any config problem they would cause.
  const parsed = parseConfig(config, orderModules(options.modules ?? liftModules(options)));
  const modules = options.modules ?? defaultModules(parsed, options);
  const app = new LiftApp(parsed, { ...options, modules });
  finishApp(app);
  return app;
}
