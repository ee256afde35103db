import path from 'node:path';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { Access } from '../access/access.ts';
import { type AccessGuards, accessGuards } from '../access/guards.ts';
import { registerAccessRoutes } from '../access/http/index.ts';
import { PermissionCatalog, type PermissionDeclarations } from '../access/permission-catalog.ts';
import { acceptInvitationsOnVerification } from '../access/tenants/invitation-signup.ts';
import { registerAdminUserRoutes } from '../identity/admin-routes.ts';
import { bootstrapDevelopmentAdmin } from '../identity/bootstrap.ts';
import { Identity } from '../identity/identity.ts';
import { MFA_SEALED_COLUMN } from '../identity/mfa/index.ts';
import { registerIdentityRoutes } from '../identity/routes.ts';
import {
  createMailTemplates,
  createMailTransport,
  type MailTemplates,
  type MailTransport,
  mailUrlOf,
} from '../mail/index.ts';
import { sessionCookieSettings } from '../sessions/session-cookie.ts';
import { createStorage, migrationsComponent } from '../storage/index.ts';
import type { MigrationRunResult, MigrationSet, Pingable, Storage } from '../storage/ports.ts';
import type { HealthComponent } from '../telemetry/health.ts';
import { registerHealthRoutes } from '../telemetry/health-routes.ts';
import type { IssueAccessTokenInput } from '../tokens/access-tokens.ts';
import { registerTokenRoutes } from '../tokens/routes.ts';
import { accessCookieSettings } from '../tokens/token-carriers.ts';
import { TOKENS_SEALED_COLUMNS, Tokens } from '../tokens/tokens.ts';
import { Authenticator } from './authenticate.ts';
import { type Clock, systemClock } from './clock.ts';
import { parseConfig } from './config/index.ts';
import type { LiftConfig, LiftConfigInput } from './config/schema.ts';
import { LiftConfigError } from './errors.ts';
import { EventPublisher } from './events.ts';
import type { Runtime } from './handler.ts';
import { createLogger } from './logger.ts';
import { installPipeline } from './pipeline.ts';
import { migrateCommand, prepareData } from './prepare-data.ts';
import { watchProcess } from './process-watch.ts';
import { requestLog } from './request-log.ts';
import type { RootKeys } from './root-keys.ts';
import { notFoundHandler, RouteGroup, RouteTable } from './routes.ts';
import type { ResealResult, SealedColumn } from './sealed-column.ts';
import { type ListeningAddress, type NodeServerHandle, startNodeServer } from './server.ts';
import { StoreFailureCounter, type StoreFailureCounts } from './store-failures.ts';

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
  /** Requests answered 503 because a store did not answer, per store (core/store-failures.ts). */
  storeUnavailable: StoreFailureCounts;
}

export class LiftApp extends RouteGroup {
  readonly config: LiftConfig;
  readonly log: Logger;
  readonly clock: Clock;
  /** The underlying Hono app, for interop; register routes through Lift so forms are checked. */
  readonly hono: Hono;
  readonly #storeFailures = new StoreFailureCounter(() => this.log);
  readonly stats: AppStats = {
    unexpectedErrors: 0,
    unhandledRejections: 0,
    uncaughtExceptions: 0,
    storeUnavailable: this.#storeFailures.counts,
  };
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
  #rootKeys: RootKeys | undefined;
  #server: NodeServerHandle | undefined;
  #processHooks: (() => void) | undefined;
  #migrationsReadiness: Pingable | undefined;
  #stopInvitationSignups: (() => void) | undefined;

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
      onStoreUnavailable: (error) => this.#storeFailures.record(error),
    });
    hono.notFound(notFoundHandler(table));
    registerHealthRoutes(this, {
      components: () => [
        ...this.storage.components(),
        { name: 'migrations', check: this.#migrationsCheck() },
        ...this.#healthChecks,
      ],
      timeoutMs: config.health.checkTimeoutMs,
      stats: () => this.stats,
    });
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
        previousKeys: (purpose) => this.#keys.previous(purpose),
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
      previousKeys: (purpose) => this.#keys.previous(purpose),
      customClaims: this.#tokenClaims,
      listening: () => this.address,
    });
    return this.#tokens;
  }

  get #tokensOn(): boolean {
    return this.config.auth.enabled && this.config.tokens.enabled;
  }

  #registerIdentity(): void {
    // Refuse a weakened production cookie now, not at the first login.
    sessionCookieSettings(this.config);
    if (this.#tokensOn) accessCookieSettings(this.config);
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
      redisPrefix: this.config.storage.redisPrefix,
      migrationSets: this.#migrations,
      clock: this.clock,
    });
    return this.#storage;
  }

  /** The mail transport named by `mail.url`, made on first use. */
  get mail(): MailTransport {
    this.#mail ??= createMailTransport({
      url: mailUrlOf(this.config),
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
   * Resolves the root secret (generated once in development, required in production), applies pending
   * migrations when `storage.migrate` is auto (the default outside production) or refuses to start while
   * Lift's own are pending, checks the secret opens what is sealed (core/prepare-data.ts), starts the modules
   * and, in development with an empty user table, prints a set-password link for a first admin
   * (`bootstrapAdmin: false` skips that). Idempotent.
   */
  start(options: { bootstrapAdmin?: boolean } = {}): Promise<void> {
    this.#started ??= (async () => {
      const { keys, migrate } = await prepareData({
        config: this.config,
        log: this.log,
        storage: this.storage,
        sealedColumns: this.#sealedColumns,
      });
      this.#rootKeys = keys;
      if (this.config.auth.enabled) {
        await this.access.start();
        if (this.#tokensOn) await this.tokens.start();
        await this.identity.start();
        this.#stopInvitationSignups ??= acceptInvitationsOnVerification(() => ({
          access: this.access,
          identity: this.identity.deps,
        }));
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
    return this.#keys.derive(purpose, length);
  }

  /**
   * Re-seals every sealed value (MFA secrets, signing keys, refresh-token successors) that a previous root
   * secret sealed with the current one; idempotent and safe while other servers run. After `start()`.
   */
  async resealSecrets(): Promise<ResealResult[]> {
    const results = await this.#keys.reseal(this.storage.sql, this.#sealedColumns);
    const count = (field: 'resealed' | 'current') => results.reduce((sum, r) => sum + r[field], 0);
    await this.events.emit({
      type: 'secret.resealed',
      actor: 'system',
      data: { resealed: count('resealed'), current: count('current') },
    });
    return results;
  }

  get #keys(): RootKeys {
    if (this.#rootKeys === undefined) throw new LiftConfigError('Keys need the app to be started first.');
    return this.#rootKeys;
  }

  /** The readiness component `migrations`, made on first use (the storage opens lazily). */
  #migrationsCheck(): Pingable {
    this.#migrationsReadiness ??= migrationsComponent(this.storage, migrateCommand(this.config));
    return this.#migrationsReadiness;
  }

  /** Where the enabled modules keep values sealed with keys derived from the root secret. */
  get #sealedColumns(): SealedColumn[] {
    if (!this.config.auth.enabled) return [];
    return [MFA_SEALED_COLUMN, ...(this.#tokensOn ? TOKENS_SEALED_COLUMNS : [])];
  }

  /** Starts, then listens on `host:port` (config defaults). Logs and counts unhandled errors meanwhile. */
  async listen(options: { host?: string; port?: number } = {}): Promise<ListeningAddress> {
    if (this.#server) throw new LiftConfigError('listen() was called twice on the same app.');
    await this.start();
    this.#warnInsecureCookie();
    this.#server = await startNodeServer(
      this.fetch,
      options.host ?? this.config.host,
      options.port ?? this.config.port,
    );
    this.#processHooks = watchProcess(this.log, this.stats);
    return this.#server.address;
  }

  /**
   * Said once, by the process that serves browsers: not by every CLI command or every app a test builds,
   * where it would only train people to skip warnings.
   */
  #warnInsecureCookie(): void {
    if (!this.config.auth.enabled || this.config.env === 'test') return;
    const cookie = sessionCookieSettings(this.config);
    if (cookie.secure) return;
    this.log.warn(
      { cookie: cookie.name },
      'session cookie without Secure (development over plain HTTP); production uses __Host-lift_session with Secure',
    );
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
    this.#stopInvitationSignups?.();
    this.#stopInvitationSignups = undefined;
    await this.#identity?.close();
    await this.#tokens?.close();
    await this.#access?.close();
    await this.#mail?.close();
    await this.#storage?.close();
  }
}

/** Builds a Lift app from a (partial) configuration; every missing key takes its documented default. */
export function createLift(config: LiftConfigInput = {}, options: LiftOptions = {}): LiftApp {
  return new LiftApp(parseConfig(config), options);
}
