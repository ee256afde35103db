/**
 * @lift/server — the public API. Everything not exported here is internal.
 */

export {
  type AccessScope,
  addTemplatePermissions,
  type DeclaredPermission,
  GLOBAL,
  PermissionCatalog,
  type PermissionDeclaration,
  type PermissionDeclarations,
  UndeclaredPermissionError,
} from './access/index.ts';
export { type AppStats, createLift, LiftApp, type LiftOptions } from './app/index.ts';
export {
  Authenticator,
  type AuthResolver,
  optionalAuth,
  principalOf,
  requireAuth,
} from './core/authenticate.ts';
export { type Clock, ManualClock, systemClock } from './core/clock.ts';
export type { LiftConfig, LiftConfigInput } from './core/config/schema.ts';
export { liftConfigSchema } from './core/config/schema.ts';
export { Context, type ContextKey, contextKey, ValueBag } from './core/context.ts';
export { cryptoRandom, type RandomSource, randomId } from './core/crypto/random.ts';
export * from './core/errors.ts';
export { EVENTS_CHANNEL, type EventOrigin, EventPublisher, type LiftEvent } from './core/events.ts';
export {
  type ContextHandler,
  type FetchHandler,
  fetchHandler,
  type HandleObject,
  type Handler,
  type InputSchemas,
  type NodeHandler,
  nodeHandler,
  type ParsedInput,
  type Runtime,
  type TypedHandler,
} from './core/handler.ts';
export { HUMAN_NAME_MESSAGE, type HumanNameOptions, humanName, isHumanName } from './core/human-name.ts';
export { PROBLEM_CONTENT_TYPE, type ProblemBody, problemType } from './core/problem.ts';
export { requestHeader } from './core/request-headers.ts';
export { requestLog } from './core/request-log.ts';
export type { AuthMethod, Principal, RequestDeadline } from './core/request-state.ts';
export { pendResponseHeader } from './core/response-headers.ts';
export type { HttpMethod, Middleware, RouteGroup } from './core/routes.ts';
export type { ListeningAddress } from './core/server.ts';
export { CsrfError, csrfVerdict } from './http/index.ts';
export type { User, UserStatus } from './identity/index.ts';
export * from './identity/index.ts';
export {
  createUserWithLink,
  Identity,
  type PublicUser,
  publicUser,
  TooManyAttemptsError,
} from './identity/index.ts';
export type { DeliveredMail, MailMessage, MailTransport } from './mail/index.ts';
export { createMailTemplates, type MailTemplates } from './mail/index.ts';
export type { SessionRecord, SessionStore } from './sessions/index.ts';
export { SessionLimitError, SessionManager } from './sessions/index.ts';
export type {
  Broker,
  KeyValueStore,
  LiftMigration,
  MigrationSet,
  SqlDatabase,
  SqlDialectName,
  Storage,
} from './storage/index.ts';
export {
  type AccessTokenClaims,
  AccessTokens,
  allowQueryToken,
  DpopError,
  InsufficientScopeError,
  InvalidGrantError,
  JwksFetchError,
  JwksUnavailableError,
  RemoteTokens,
  remoteTokensModule,
  requireScope,
  requireTenant,
  TenantMismatchError,
  type TokenPair,
  TokenRejectedError,
  TokenReusedError,
  Tokens,
} from './tokens/index.ts';
