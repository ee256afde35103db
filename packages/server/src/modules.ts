/**
 * @lift/server/modules — the module contract (docs/architecture.md), for authors of Lift modules: the
 * `LiftModule` object and what `build` receives and returns, the registries a module extends by declaration
 * merging (`LiftModules`, `LiftCapabilities`, `LiftPorts`, `LiftEvents`, `LiftConfigSections`), the store ports,
 * the tracing port (`context.tracer`, `traced()`),
 * and the whole faces of Lift's own modules, which `context.module(name)` and `app.module(name)` return. An app
 * that only chooses modules needs none of this: the module factories are in the root export.
 */

export type { Access, AccessGuards, PermissionCatalog } from './access/index.ts';
export { shippedModules } from './app/index.ts';
export type { Authenticator, AuthResolver } from './core/authenticate.ts';
export { type ConfigCatalog, configCatalog } from './core/config/catalog.ts';
export { coreConfigSchema, type LiftConfigSections } from './core/config/schema.ts';
export {
  type Announce,
  type Announcing,
  type DurableEventSink,
  EVENTS_CHANNEL,
  type EventActor,
  type EventPayload,
  type EventPublisher,
  type EventSpec,
  type EventStats,
  type LiftEventName,
  type LiftEvents,
} from './core/events.ts';
export type { Invalidation, InvalidationHandler } from './core/invalidation.ts';
export type {
  ErrorCodeSpec,
  LiftCapabilities,
  LiftModule,
  LiftModules,
  LiftPorts,
  MetricSpec,
  ModuleContext,
  ModuleInstance,
  ModuleKeys,
  PermissionGuard,
} from './core/module.ts';
export type { RequestDeadline } from './core/request-state.ts';
export type { SealedColumn } from './core/sealed-column.ts';
export {
  type IncomingTraceContext,
  noopTracer,
  type Span,
  type SpanAttributes,
  type SpanAttributeValue,
  type SpanKind,
  type Tracer,
  traced,
} from './core/tracing.ts';
export type { Identity } from './identity/index.ts';
export type { RateLimitDecision, RateLimitStore } from './limits/index.ts';
export type {
  ChannelHistory,
  ChannelPresence,
  ConnectionRegistry,
  RealtimeStores,
} from './realtime/index.ts';
export type { SessionManager, SessionRecord, SessionStore, Sessions } from './sessions/index.ts';
export type { Signing } from './signing/index.ts';
export type {
  JobQueue,
  KeyValueStore,
  LiftMigration,
  MigrationSet,
  Pingable,
  SqlDatabase,
} from './storage/index.ts';
export type { AccessTokens, IssueAccessTokenInput, RemoteTokens, Tokens } from './tokens/index.ts';
