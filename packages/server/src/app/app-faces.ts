import type { Access, AccessGuards, PermissionCatalog } from '../access/index.ts';
import type { Authenticator } from '../core/authenticate.ts';
import type { EventPublisher, EventStats } from '../core/events.ts';
import type { StoreFailureCounts } from '../core/store-failures.ts';
import type { Identity } from '../identity/index.ts';
import type { SessionManager } from '../sessions/index.ts';
import type { Outbox } from '../storage/index.ts';
import type { AccessTokens, Tokens } from '../tokens/index.ts';

/**
 * What an app may call on the modules `LiftApp` hands out (`app.identity`, `app.tokens`, `app.access`,
 * `app.events`, `app.permissions`). The getters are typed with these interfaces; the classes behind them stay
 * inside Lift, with their wiring and mutable state. A module author who needs a module's whole face asks
 * `app.module(name)` (`@lift/server/modules`).
 *
 * Each face is picked from its class so that the signatures cannot drift; the API report
 * (`packages/server/api-report.md`) spells every member out.
 */

/** The app's security and domain events: emit your own, react in this process, follow them across processes. */
export interface AppEvents
  extends Pick<EventPublisher, 'emit' | 'change' | 'onLocal' | 'subscribe' | 'settled'> {}

/** Sessions of signed-in users: create one for a user, list, look up and revoke them. */
export interface AppSessions
  extends Pick<SessionManager, 'create' | 'revoke' | 'revokeUser' | 'list' | 'findById' | 'purge'> {}

/** Users, their sessions and system roles (the identity module). */
export interface AppIdentity extends Pick<Identity, 'users' | 'roles' | 'cookie' | 'idle'> {
  readonly sessions: AppSessions;
  readonly events: AppEvents;
}

/** Access tokens for callers this app trusts: issue one directly, or verify one. */
export interface AppAccessTokens extends Pick<AccessTokens, 'issue' | 'verify'> {}

/** Token pairs, refresh, revocation and introspection (the tokens module). */
export interface AppTokens
  extends Pick<
    Tokens,
    'issuer' | 'audience' | 'issuePair' | 'refresh' | 'revoke' | 'revokeUser' | 'introspect'
  > {
  readonly accessTokens: AppAccessTokens;
}

/** The permission names guards may use; `declare()` adds more (a plugin's own). */
export interface AppPermissions extends Pick<PermissionCatalog, 'declare' | 'has' | 'isGlobal' | 'list'> {}

/** Decisions over the in-memory copy of roles, grants and memberships, and the call that refreshes it. */
export interface AppAccessControl
  extends Pick<
    Access['control'],
    | 'can'
    | 'authorize'
    | 'explain'
    | 'holdsRole'
    | 'roleNames'
    | 'permissions'
    | 'isMember'
    | 'requiresMfa'
    | 'changed'
    | 'reload'
  > {}

/** Tenants, memberships, roles, grants and invitations, and the decisions over them (the access module). */
export interface AppAccess
  extends Pick<
    Access,
    | 'tenants'
    | 'memberships'
    | 'roles'
    | 'grants'
    | 'invitations'
    | 'createTenant'
    | 'systemRole'
    | 'grantSystemRole'
    | 'systemRolesOf'
  > {
  readonly control: AppAccessControl;
  readonly guards: AccessGuards;
  readonly permissions: AppPermissions;
  readonly events: AppEvents;
}

/** The app's chain of authentication resolvers, by name in the order `requireAuth()` tries them. */
export interface AppAuthenticator extends Pick<Authenticator, 'names'> {}

/** Counters of what went wrong while serving (`app.stats`; `/health` reports them). */
export interface AppStats {
  /** Errors that reached the error renderer without being a LiftError (bugs). */
  unexpectedErrors: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
  /** Requests answered 503 because a store did not answer, per store (core/store-failures.ts). */
  storeUnavailable: StoreFailureCounts;
  /** Events emitted, and local handlers or publications that failed after `emit()` returned. */
  events: EventStats;
  /** Problems answered with a code/status pair the app's catalogue lacks (app/uncatalogued-codes.ts). */
  uncataloguedErrors: number;
}

/**
 * The app's durable jobs: `handle(type, handler)` at boot, then `enqueue(type, payload, { key })`; a job survives
 * a crash and is retried with backoff (`storage.outbox.*`); `key` lets its handler be idempotent.
 */
export interface AppOutbox extends Pick<Outbox, 'handle' | 'enqueue' | 'idle' | 'stats'> {}
