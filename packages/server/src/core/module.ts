import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Broker, KeyValueStore, MigrationSet, Pingable } from '../storage/index.ts';
import type { AuthResolver } from './authenticate.ts';
import type { Clock } from './clock.ts';
import type { LiftConfig } from './config/schema.ts';
import type { EventPublisher, LocalEventHandler } from './events.ts';
import type { Invalidation } from './invalidation.ts';
import type { MetricSpec, ModuleMetrics } from './metrics.ts';
import type { Middleware, RouteGroup } from './routes.ts';
import type { SealedColumn } from './sealed-column.ts';
import type { ListeningAddress } from './server.ts';
import type { Tracer } from './tracing.ts';

/**
 * The module contract (DESIGN §2 rule 2). Every Lift module — identity, sessions, tokens, access, and the ones
 * still to come — is one plain object that `satisfies LiftModule`: its name, the modules it needs, what it owns
 * (config sections, migrations, error codes, metrics) and one `build` function. The composition root
 * (`app/create-lift.ts`) sorts modules by `needs`, builds each once, starts them in that order and closes them in
 * reverse. Nothing is assigned into a module from outside: what one module offers another is a named capability
 * (`offers`), looked up by the module that wants it (`context.capability`).
 *
 * Models: Fastify plugins (a name and declared dependencies, a missing one fails the boot by name) and Effect
 * layers (what a layer provides is typed, and built once).
 */

/**
 * The public faces of modules, keyed by module name. Each module adds its own entry by declaration merging in
 * its `index.ts`: `declare module '../core/module.ts' { interface LiftModules { identity: Identity } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging in each module.
export interface LiftModules {}

/**
 * Capabilities one module offers others without either naming the other: `tokenIssuer` (tokens → identity),
 * `systemRoles` (access → identity). Each is declared by the module that wants it, by declaration merging, so
 * the wanting module owns the shape and the offering module must match it.
 */
export interface LiftCapabilities {
  /**
   * A guard that lets a request through when its principal holds `permission` globally, else 403 and an
   * `access.denied` event (offered by the access module). Admin endpoints of every module are mounted behind
   * it; without it they are not mounted at all.
   */
  globalPermission: PermissionGuard;
}

/** A route guard for one permission (`requirePermission('users:read', { global: true })`). */
export type PermissionGuard = (permission: string) => Middleware;

/**
 * The stores a module works on, keyed by port name (`users`, `sessions`, `tenants` …). Each module declares its
 * ports by declaration merging; a shape factory (`app/shapes/`) builds one adapter per port.
 */
export interface LiftPorts {
  /** Hot state with TTLs and counters (SQL table, memory or Redis). */
  kv: KeyValueStore;
  /** News between the processes of a deployment (in-process or Redis pub/sub). */
  broker: Broker;
  /** Cross-node cache invalidation by topic, on one broker channel (core/invalidation.ts). */
  invalidation: Invalidation;
}

/** A stable error code a module may answer with (`docs/errors.md` lists every module's codes). */
export interface ErrorCodeSpec {
  code: `LIFT_${string}`;
  status: number;
  /** One sentence: when a client sees it. */
  meaning: string;
}

/** A metric a module exports; see core/metrics.ts. */
export type { MetricSpec } from './metrics.ts';

/** Keys derived from the root secret; known only once the app has started (`core/root-keys.ts`). */
export interface ModuleKeys {
  /** The key for `purpose` (HKDF of the root secret). */
  derive(purpose: string, length?: number): Buffer;
  /** The same purpose derived from each previous root secret: opens, never seals. */
  previous(purpose: string): Buffer[];
}

/** What `build` receives. Everything here is usable at build time except `capability` and `keys`. */
export interface ModuleContext {
  readonly config: LiftConfig;
  /** The app's logger, bound to `{ module: name }`. */
  readonly log: Logger;
  readonly clock: Clock;
  readonly events: EventPublisher;
  /** Handles for the metrics this module declares in `metrics` (core/metrics.ts); others fail the boot. */
  readonly metrics: ModuleMetrics;
  /** The app's tracer (core/tracing.ts): the no-op one unless `tracing.exporter` is set. */
  readonly tracer: Tracer;
  /** This module's stores, as built by the shape factory; reading one before `start()` does no I/O. */
  readonly ports: LiftPorts;
  /** The public face of a module named in `needs` (built before this one). */
  module<K extends keyof LiftModules>(name: K): LiftModules[K];
  /** The public face of a module named in `uses`, or undefined when the app left it out. */
  optionalModule<K extends keyof LiftModules>(name: K): LiftModules[K] | undefined;
  /**
   * A capability another module offers, or undefined when no module offers it. Resolved after every module is
   * built: call it from `routes()`, `start()` or at request time, never during `build()`.
   */
  capability<K extends keyof LiftCapabilities>(name: K): LiftCapabilities[K] | undefined;
  /** Root-secret keys; throws before the app has started. */
  readonly keys: ModuleKeys;
  /** The address the app listens on, once it does (`listen()`), else undefined. */
  listening(): ListeningAddress | undefined;
}

/** What `build` returns: the module's public face and its hooks into the app. */
export interface ModuleInstance<Face = unknown> {
  /** What `context.module(name)` returns to modules that need this one (and what `app.module(name)` returns). */
  face: Face;
  /** Capabilities this module offers, by name. */
  offers?: Partial<LiftCapabilities>;
  /** I/O and timers start here, after migrations; in dependency order. */
  start?(): Promise<void>;
  /** Stops timers and closes what `start` opened; in reverse order. Must be safe to call twice. */
  close?(): Promise<void>;
  /** Readiness components (`/health/ready` reports each by name). */
  health?: ReadonlyArray<{ name: string; check: Pingable }>;
  /** Registers the module's routes; each module mounts them under its own configured prefix. */
  routes?(app: RouteGroup): void;
  /** Authentication resolvers, appended to the app's chain in module order (`session`, `bearer` …). */
  authResolvers?: ReadonlyArray<{ name: string; resolve: AuthResolver }>;
  /** Local event handlers: run in this process for every event it emits. */
  on?: ReadonlyArray<LocalEventHandler>;
  /** Columns this module seals with root-secret keys: checked at start, resealed by `lift secret reseal`. */
  sealedColumns?: readonly SealedColumn[];
  /** HTTP upgrades (WebSocket) this module serves while the app listens; see `UpgradeHandler`. */
  upgrades?: UpgradeHandler;
}

/**
 * A module that takes over connections (the realtime gateway's WebSockets). The server hands it every upgrade
 * request whose path is one of `paths`, with the app's `fetch` so the request can run the whole pipeline
 * (request id, client IP, authentication, access log) before a socket exists; other upgrade paths get 404.
 * Upgraded sockets are no longer the HTTP server's: `closeAll` ends them on shutdown, before the server drains.
 */
export interface UpgradeHandler {
  readonly paths: readonly string[];
  handle(upgrade: UpgradeRequest): void;
  closeAll(): Promise<void>;
}

export interface UpgradeRequest {
  request: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  fetch: (request: Request, env: unknown) => Response | Promise<Response>;
}

export interface LiftModule<Name extends string = string, Face = unknown> {
  readonly name: Name;
  /** Modules that must be present; they are built and started first. A missing one fails the boot. */
  readonly needs?: readonly string[];
  /** Modules used when present; when present they are built and started first. */
  readonly uses?: readonly string[];
  /**
   * Config sections this module owns (`<module>/config.ts`), merged with core's into the app's one schema and
   * the generated configuration doc; typed by extending `LiftConfigSections` (core/config/schema.ts).
   */
  readonly config?: Readonly<Record<string, ZodType>>;
  /**
   * The module's migrations (`<module>/migrations.ts`), run only in apps that have the module. A set named
   * `lift` joins Lift's historical set by migration name (the original modules, for databases migrated before
   * modules owned their migrations); a new module names its set after itself, with its own bookkeeping table.
   */
  readonly migrations?: MigrationSet;
  /** Every `LIFT_*` code this module may answer with. */
  readonly errors?: readonly ErrorCodeSpec[];
  /** Every metric this module exports. */
  readonly metrics?: readonly MetricSpec[];
  /** Builds the module: no I/O, no timers. */
  build(context: ModuleContext): ModuleInstance<Face>;
}
