import path from 'node:path';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { Access } from '../access/access.ts';
import { type AccessGuards, accessGuards } from '../access/guards.ts';
import { registerAccessRoutes } from '../access/http/index.ts';
import { PermissionCatalog, type PermissionDeclarations } from '../access/permission-catalog.ts';
import { registerAdminUserRoutes } from '../identity/admin-routes.ts';
import { bootstrapDevelopmentAdmin } from '../identity/bootstrap.ts';
import { Identity } from '../identity/identity.ts';
import { registerIdentityRoutes } from '../identity/routes.ts';
import {
  createMailTemplates,
  createMailTransport,
  type MailTemplates,
  type MailTransport,
} from '../mail/index.ts';
import { sessionCookieSettings } from '../sessions/session-cookie.ts';
import { createStorage } from '../storage/index.ts';
import type { MigrationRunResult, MigrationSet, Pingable, Storage } from '../storage/ports.ts';
import { checkReadiness, type HealthComponent } from '../telemetry/health.ts';
import type { IssueAccessTokenInput } from '../tokens/access-tokens.ts';
import { registerTokenRoutes } from '../tokens/routes.ts';
import { accessCookieSettings } from '../tokens/token-carriers.ts';
import { Tokens } from '../tokens/tokens.ts';
import { Authenticator } from './authenticate.ts';
import { type Clock, systemClock } from './clock.ts';
import { deriveKey, parseConfig, resolveRootSecret } from './config/index.ts';
import type { LiftConfig, LiftConfigInput } from './config/schema.ts';
import { LiftConfigError } from './errors.ts';
import { EventPublisher } from './events.ts';
import type { Runtime } from './handler.ts';
import { createLogger } from './logger.ts';
import { installPipeline } from './pipeline.ts';
import { requestLog } from './request-log.ts';
import { notFoundHandler, RouteGroup, RouteTable } from './routes.ts';
import { type ListeningAddress, type NodeServerHandle, startNodeServer } from './server.ts';

/**
 * The composition root (DESIGN §2): `createLift(config)` reads the config, builds the logger, the pipeline and
 * (lazily) the storage adapters named by URLs, and returns the app. Nothing else constructs adapters.
 */

export interface LiftOptions {
  /** Where the app runs: `node` (default, allows Node-style handlers) or `fetch` (any Fetch-API host). */
  runtime?: Runtime;
  clock?: Clock;
  /** A logger to use instead of the one built from `log.level`. */
  logger?: Logger;
  /** The app's own migration sets, applied after Lift's. */
  migrations?: MigrationSet[];
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
}

export interface AppStats {
  /** Errors that reached the error renderer without being a LiftError (bugs). */
  unexpectedErrors: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
}

export class LiftApp extends RouteGroup {
  readonly config: LiftConfig;
  readonly log: Logger;
  readonly clock: Clock;
  /** The underlying Hono app, for interop; register routes through Lift so forms are checked. */
  readonly hono: Hono;
  readonly stats: AppStats = { unexpectedErrors: 0, unhandledRejections: 0, uncaughtExceptions: 0 };
  /** The permissions guards may name: Lift's, the `permissions` option's, and what `declare()` adds. */
  readonly permissions: PermissionCatalog;
  /**
   * The authentication resolver chain `requireAuth()` runs: the session cookie (when `auth.enabled`), then
   * whatever modules add (bearer tokens, API keys).
   */
  readonly authenticator = new Authenticator();
  readonly #migrations: MigrationSet[];
  readonly #mailTemplates: Partial<MailTemplates> | undefined;
  readonly #tokenClaims: LiftOptions['tokenClaims'];
  readonly #healthChecks: HealthComponent[] = [];
  #storage: Storage | undefined;
  #mail: MailTransport | undefined;
  #identity: Identity | undefined;
  #tokens: Tokens | undefined;
  #access: Access | undefined;
  #guards: AccessGuards | undefined;
  #events: EventPublisher | undefined;
  #started: Promise<void> | undefined;
  #rootSecret: Buffer | undefined;
  #server: NodeServerHandle | undefined;
  #processHooks: (() => void) | undefined;

  /** @internal — use `createLift()`. */
  constructor(config: LiftConfig, options: LiftOptions) {
    const hono = new Hono();
    const table = new RouteTable();
    super({ hono, table, runtime: options.runtime ?? 'node', version: 0 }, '/', [], []);
    this.hono = hono;
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? createLogger({ level: config.log.level });
    this.#migrations = options.migrations ?? [];
    this.#mailTemplates = options.mailTemplates;
    this.#tokenClaims = options.tokenClaims;
    this.permissions = new PermissionCatalog(options.permissions);
    installPipeline(hono, config, this.log, {
      authenticator: this.authenticator,
      onUnexpectedError: (error, c) => {
        this.stats.unexpectedErrors += 1;
        (requestLog(c) ?? this.log).error({ err: error }, 'unexpected error while serving a request');
      },
    });
    hono.notFound(notFoundHandler(table));
    this.#registerHealthRoutes();
    if (config.auth.enabled) this.#registerIdentity();
  }

  /**
   * Users, credentials and sessions (identity/, sessions/), built on first use after `start()` (the TOTP
   * sealing key comes from the root secret).
   */
  get identity(): Identity {
    if (!this.config.auth.enabled) {
      throw new LiftConfigError('auth.enabled is false: this app has no identity.');
    }
    if (this.#identity === undefined) {
      const identity = new Identity({
        config: this.config,
        storage: this.storage,
        mail: this.mail,
        clock: this.clock,
        log: this.log,
        deriveKey: (purpose) => this.deriveKey(purpose),
        templates: createMailTemplates(this.#mailTemplates),
        events: this.events,
        systemRoles: {
          grant: async (userId, role) => {
            await this.access.grantSystemRole(userId, role);
          },
          rolesOf: async (userId) => this.access.systemRolesOf(userId),
        },
      });
      if (this.#tokensOn) {
        identity.deps.issueTokens = async (grant, origin) => ({
          ...(await this.tokens.issuePair(grant, origin)),
        });
        identity.dpopThumbprint = (ctx) => this.tokens.dpopThumbprint(ctx.raw);
        identity.decorateTokenResponse = (ctx, tokens) =>
          this.tokens.setAccessCookie(ctx.response.headers, tokens);
      }
      this.#identity = identity;
    }
    return this.#identity;
  }

  /**
   * Tenants, memberships, roles, grants and invitations, and the in-memory decisions over them (access/);
   * needs `auth.enabled`. Started by `start()`.
   */
  get access(): Access {
    if (!this.config.auth.enabled) {
      throw new LiftConfigError('auth.enabled is false: this app has no access control.');
    }
    this.#access ??= new Access({
      storage: this.storage,
      clock: this.clock,
      log: this.log,
      events: this.events,
      limits: this.config.access,
      permissions: this.permissions,
    });
    return this.#access;
  }

  /**
   * Route guards: `requirePermission('notes:write')`, `requireRole('admin')`, `requireTenantMember()` and the
   * object-level `authorize(ctx, permission, { ownerId, tenantId })`. Run them after `requireAuth()`.
   */
  get guards(): AccessGuards {
    this.#guards ??= accessGuards(() => this.access.control, this.permissions);
    return this.#guards;
  }

  /** Security and domain events of this app (core/events.ts), published on the broker. */
  get events(): EventPublisher {
    this.#events ??= new EventPublisher(() => this.storage.broker, this.clock, this.log);
    return this.#events;
  }

  /** Signing keys, access and refresh tokens, revocation (tokens/); built on first use after `start()`. */
  get tokens(): Tokens {
    if (!this.#tokensOn) throw new LiftConfigError('tokens.enabled is false: this app issues no tokens.');
    this.#tokens ??= new Tokens({
      config: this.config,
      storage: this.storage,
      clock: this.clock,
      log: this.log,
      events: this.events,
      deriveKey: (purpose) => this.deriveKey(purpose),
      customClaims: this.#tokenClaims,
    });
    return this.#tokens;
  }

  get #tokensOn(): boolean {
    return this.config.auth.enabled && this.config.tokens.enabled;
  }

  #registerIdentity(): void {
    // Refuse a weakened production cookie now, not at the first login.
    const cookie = sessionCookieSettings(this.config);
    if (this.#tokensOn) accessCookieSettings(this.config);
    if (!cookie.secure) {
      this.log.warn(
        { cookie: cookie.name },
        'session cookie without Secure (development over plain HTTP); production uses __Host-lift_session with Secure',
      );
    }
    this.authenticator.events = this.events;
    this.authenticator.add('session', (c) => this.identity.resolveSession(c));
    if (this.#tokensOn) this.authenticator.add('bearer', (c) => this.tokens.resolveBearer(c));
    const permit = (permission: string) => this.guards.requirePermission(permission, { global: true });
    registerIdentityRoutes(this, () => this.identity, this.config.auth.prefix);
    registerAdminUserRoutes(this, () => this.identity, this.config.auth.adminPrefix, permit);
    registerAccessRoutes(this, {
      config: this.config,
      access: () => this.access,
      identity: () => this.identity,
      guards: this.guards,
      permit,
    });
    if (this.#tokensOn) {
      registerTokenRoutes(
        this,
        () => this.tokens,
        () => this.identity,
        this.config.auth.prefix,
        this.config.auth.adminPrefix,
        permit,
      );
    }
  }

  /** The SQL database, key-value store and broker, opened on first use. */
  get storage(): Storage {
    this.#storage ??= createStorage({
      url: this.config.storage.url ?? `sqlite:${path.join(this.config.dataDir, 'lift.db')}`,
      kv: this.config.storage.kv,
      broker: this.config.storage.broker,
      poolSize: this.config.storage.poolSize,
      migrationSets: this.#migrations,
      clock: this.clock,
    });
    return this.#storage;
  }

  /** The mail transport named by `mail.url`, made on first use. */
  get mail(): MailTransport {
    this.#mail ??= createMailTransport({
      url: this.config.mail.url,
      dataDir: this.config.dataDir,
      from: this.config.mail.from,
      clock: this.clock,
    });
    return this.#mail;
  }

  /** Serves one request without a socket (tests, serverless). `env` may carry `{ remoteAddress }`. */
  fetch = (request: Request, env?: unknown): Response | Promise<Response> => this.hono.fetch(request, env);

  /** Adds a readiness component (`/health/ready` reports it by name). */
  addHealthCheck(name: string, check: Pingable): void {
    this.#healthChecks.push({ name, check });
  }

  /**
   * Resolves the root secret (generated once in development, required in production) and applies pending
   * migrations when `storage.migrate` is auto (the default outside production), starts the identity module
   * and, in development with an empty user table, prints a set-password link for a first admin
   * (`bootstrapAdmin: false` skips that). Idempotent.
   */
  start(options: { bootstrapAdmin?: boolean } = {}): Promise<void> {
    this.#started ??= (async () => {
      const resolved = await resolveRootSecret(this.config, { log: this.log });
      this.#rootSecret = resolved.secret;
      const migrate = this.config.storage.migrate ?? (this.config.env === 'production' ? 'manual' : 'auto');
      if (migrate === 'auto') {
        const result = await this.migrate();
        if (result.applied.length > 0) this.log.info({ applied: result.applied }, 'applied migrations');
      }
      if (this.config.auth.enabled) {
        await this.access.start();
        if (this.#tokensOn) await this.tokens.start();
        await this.identity.start();
        const bootstrap = options.bootstrapAdmin ?? true;
        if (bootstrap && this.config.env === 'development' && migrate === 'auto') {
          const created = await bootstrapDevelopmentAdmin(this.identity);
          if (created) {
            this.log.warn(
              { email: created.user.email, link: created.link },
              `no users yet: set the first admin's password (one-time link) at ${created.link}`,
            );
          }
        }
      }
    })();
    return this.#started;
  }

  migrate(): Promise<MigrationRunResult> {
    return this.storage.migrate();
  }

  /** A key for one purpose, derived from the root secret (HKDF); available after `start()`. */
  deriveKey(purpose: string, length = 32): Buffer {
    if (this.#rootSecret === undefined)
      throw new LiftConfigError('deriveKey() needs the app to be started first.');
    return deriveKey(this.#rootSecret, purpose, length);
  }

  /** Starts, then listens on `host:port` (config defaults). Logs and counts unhandled errors meanwhile. */
  async listen(options: { host?: string; port?: number } = {}): Promise<ListeningAddress> {
    if (this.#server) throw new LiftConfigError('listen() was called twice on the same app.');
    await this.start();
    this.#server = await startNodeServer(
      this.fetch,
      options.host ?? this.config.host,
      options.port ?? this.config.port,
    );
    this.#watchProcess();
    return this.#server.address;
  }

  /** The address while listening. */
  get address(): ListeningAddress | undefined {
    return this.#server?.address;
  }

  /**
   * Graceful stop: stop accepting, let in-flight requests finish within `shutdownTimeoutMs`, close the stores.
   * Safe to call twice.
   */
  async close(): Promise<void> {
    const server = this.#server;
    if (server) {
      const { drained } = await server.close(this.config.shutdownTimeoutMs);
      if (!drained) this.log.warn('shutdown deadline passed; remaining connections were closed');
    }
    this.#processHooks?.();
    this.#processHooks = undefined;
    await this.#identity?.close();
    await this.#tokens?.close();
    await this.#access?.close();
    await this.#mail?.close();
    await this.#storage?.close();
  }

  #watchProcess(): void {
    const onRejection = (reason: unknown) => {
      this.stats.unhandledRejections += 1;
      this.log.error({ err: reason }, 'unhandled promise rejection; still serving');
    };
    const onException = (error: Error) => {
      this.stats.uncaughtExceptions += 1;
      this.log.error({ err: error }, 'uncaught exception; still serving');
    };
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    this.#processHooks = () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    };
  }

  #registerHealthRoutes(): void {
    const noStore = { 'cache-control': 'no-store' };
    this.get('/health/live', (ctx) => {
      ctx.response.headers.set('cache-control', 'no-store');
      return { status: 'live' };
    });
    const ready = async () => {
      const components = [...this.storage.components(), ...this.#healthChecks];
      const report = await checkReadiness(components, this.config.health.checkTimeoutMs);
      return Response.json(report, { status: report.status === 'ready' ? 200 : 503, headers: noStore });
    };
    this.get('/health/ready', ready);
    this.get('/health', async () => {
      const response = await ready();
      const report = (await response.json()) as object;
      return Response.json({ ...report, stats: this.stats }, { status: response.status, headers: noStore });
    });
  }
}

/** Builds a Lift app from a (partial) configuration; every missing key takes its documented default. */
export function createLift(config: LiftConfigInput = {}, options: LiftOptions = {}): LiftApp {
  return new LiftApp(parseConfig(config), options);
}
