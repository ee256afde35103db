/**
 * @lift/server — the public API. Everything not exported here is internal.
 */

export { type AccessScope, GLOBAL } from './access/access-scope.ts';
export { addTemplatePermissions } from './access/default-roles.ts';
export {
  type DeclaredPermission,
  PermissionCatalog,
  type PermissionDeclaration,
  type PermissionDeclarations,
  UndeclaredPermissionError,
} from './access/permission-catalog.ts';
export { type AppStats, createLift, LiftApp, type LiftOptions } from './app/create-lift.ts';
export { type ErrorCatalogEntry, LIFT_ERRORS } from './app/lift-errors.ts';
export {
  Authenticator,
  type AuthResolver,
  optionalAuth,
  principalOf,
  requireAuth,
} from './core/authenticate.ts';
export {
  type Clock,
  cryptoRandom,
  ManualClock,
  type RandomSource,
  randomId,
  systemClock,
} from './core/clock.ts';
export type { LiftConfig, LiftConfigInput } from './core/config/schema.ts';
export { liftConfigSchema } from './core/config/schema.ts';
export { Context, type ContextKey, contextKey, ValueBag } from './core/context.ts';
export type {
  AppErrorCode,
  AppErrorCodeSpec,
  CodesOf,
  ErrorCode,
  LiftErrorCode,
  LiftErrorCodes,
} from './core/error-codes.ts';
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
export { CsrfError, csrfVerdict } from './http/csrf/index.ts';
export { createUserWithLink } from './identity/bootstrap.ts';
export * from './identity/errors.ts';
export { Identity } from './identity/identity.ts';
export { type PublicUser, publicUser } from './identity/identity-deps.ts';
export { TooManyAttemptsError } from './identity/throttle.ts';
export type { User, UserStatus } from './identity/users/index.ts';
export type { DeliveredMail, MailMessage, MailTransport } from './mail/index.ts';
export { createMailTemplates, type MailTemplates } from './mail/index.ts';
export { SessionLimitError, SessionManager } from './sessions/session-manager.ts';
export type { SessionRecord, SessionStore } from './sessions/session-store.ts';
export type {
  Broker,
  KeyValueStore,
  LiftMigration,
  MigrationSet,
  SqlDatabase,
  SqlDialectName,
  Storage,
} from './storage/ports.ts';
export { type AccessTokenClaims, AccessTokens } from './tokens/access-tokens.ts';
export { DpopError } from './tokens/dpop.ts';
export { requireTenant, TenantMismatchError } from './tokens/require-tenant.ts';
export { allowQueryToken } from './tokens/token-carriers.ts';
export { TokenRejectedError } from './tokens/token-errors.ts';
export { InvalidGrantError, type TokenPair, TokenReusedError, Tokens } from './tokens/tokens.ts';
