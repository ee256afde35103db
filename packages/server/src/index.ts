/**
 * @lift/server — what an app author uses: `createLift` and the app it returns (its modules seen through the
 * `App…` interfaces), handler and context types, errors and their codes, guards and middleware factories, config
 * types, and the modules an app may choose. Everything not exported here or from a subpath is internal:
 *
 * - `@lift/server/http` — the built-in HTTP middleware and the helpers for writing your own;
 * - `@lift/server/testing` — the manual clock and the test helpers;
 * - `@lift/server/modules` — the module contract, for module authors.
 *
 * `packages/server/api-report.md` lists every export of every entry point with its type (`npm test` checks it).
 * Two third-party types are part of the contract on purpose: `app.storage.sql.db` is a Kysely instance for the
 * app's own tables, and middleware are Hono middleware (`ctx.raw` is the Hono context, for interop).
 */

export type { AccessGuards } from './access/index.ts';
export {
  type AccessModuleOptions,
  type AccessScope,
  accessModule,
  addTemplatePermissions,
  type DeclaredPermission,
  GLOBAL,
  type PermissionDeclaration,
  type PermissionDeclarations,
  type TemplatePermissionOptions,
  UndeclaredPermissionError,
} from './access/index.ts';
export {
  type AppAccess,
  type AppAccessControl,
  type AppAccessTokens,
  type AppAuthenticator,
  type AppEvents,
  type AppIdentity,
  type AppOutbox,
  type AppPermissions,
  type AppSessions,
  type AppStats,
  type AppTokens,
  createLift,
  type ErrorCatalogEntry,
  LIFT_ERRORS,
  type LiftApp,
  type LiftOptions,
  liftModules,
} from './app/index.ts';
export { optionalAuth, principalOf, requireAuth } from './core/authenticate.ts';
export { type Clock, systemClock } from './core/clock.ts';
export type { LiftConfig, LiftConfigInput } from './core/config/schema.ts';
export { type Context, type ContextKey, contextKey, type ValueBag } from './core/context.ts';
export { cryptoRandom, type RandomSource, randomId } from './core/crypto/random.ts';
export type {
  AppErrorCode,
  AppErrorCodeSpec,
  CodesOf,
  ErrorCode,
  LiftErrorCode,
  LiftErrorCodes,
} from './core/error-codes.ts';
export * from './core/errors.ts';
export type { EventOrigin, LiftEvent, LocalEventHandler } from './core/events.ts';
export {
  type ContextHandler,
  type FetchHandler,
  fetchHandler,
  type HandleObject,
  type Handler,
  type HandlerResult,
  htmlPage,
  type InputSchemas,
  type NodeHandler,
  type NonJsonBody,
  nodeHandler,
  type ParsedInput,
  type ResponseBody,
  type ResponseSchemas,
  type Runtime,
  type TypedHandler,
} from './core/handler.ts';
export { HUMAN_NAME_MESSAGE, type HumanNameOptions, humanName, isHumanName } from './core/human-name.ts';
export { PROBLEM_CONTENT_TYPE, type ProblemBody, problemType } from './core/problem.ts';
export type { AuthMethod, Principal } from './core/request-state.ts';
export type { HttpMethod, Middleware, RouteGroup } from './core/routes.ts';
export type { ListeningAddress } from './core/server.ts';
export { CsrfError } from './http/index.ts';
export {
  type IdentityModuleOptions,
  InvalidCredentialsError,
  InvalidLinkTokenError,
  InvalidMfaCodeError,
  InvalidMfaTokenError,
  identityModule,
  MfaAlreadyEnrolledError,
  MfaCodeRequiredError,
  MfaNotEnrolledError,
  type PublicUser,
  publicUser,
  ReauthRequiredError,
  SignupClosedError,
  type User,
  type UserStatus,
} from './identity/index.ts';
export {
  type IdempotencyMetrics,
  type IdempotencyOptions,
  type IdempotencyOutcome,
  idempotency,
  ipSubject,
  type Limits,
  limitsModule,
  type PolicyLimiter,
  RateLimitedError,
  type RateLimitKey,
  type RateLimitOptions,
  type RateLimitPolicy,
  type RateLimitQuota,
  RateLimitUnavailableError,
  type RateLimitVerdict,
} from './limits/index.ts';
export type { DeliveredMail, MailMessage, MailTransport } from './mail/index.ts';
export { createMailTemplates, type MailTemplates } from './mail/index.ts';
export {
  type ChannelRule,
  CLOSE as REALTIME_CLOSE_CODES,
  type DisconnectFilter,
  type NamespacePolicy,
  type Realtime,
  type RealtimeModuleOptions,
  realtimeModule,
} from './realtime/index.ts';
export { SessionLimitError, sessionsModule } from './sessions/index.ts';
export {
  contentDigest,
  type RequireSignatureOptions,
  SignatureInvalidError,
  type SignatureKeys,
  type Signing,
  signatureOf,
  signingModule,
  type VerificationKey,
  type VerifiedSignature,
} from './signing/index.ts';
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
  allowQueryToken,
  DpopError,
  InsufficientScopeError,
  InvalidGrantError,
  JwksFetchError,
  JwksUnavailableError,
  remoteTokensModule,
  requireScope,
  requireTenant,
  TenantMismatchError,
  type TokenPair,
  TokenRejectedError,
  TokenReusedError,
  type TokensModuleOptions,
  tokensModule,
} from './tokens/index.ts';
