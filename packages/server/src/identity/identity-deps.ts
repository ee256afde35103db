import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import type { Context } from '../core/context.ts';
import { randomSecretToken } from '../core/crypto/random.ts';
import { hashToken } from '../core/crypto/token-hash.ts';
import type {
  EventActor,
  EventOrigin,
  EventPublisher,
  EventSpec,
  LiftEventName,
  LiftEvents,
} from '../core/events.ts';
import type { MailQueue, MailTemplates, MailTransport, RenderedMail } from '../mail/index.ts';
import type { SessionManager, ValidatedSession } from '../sessions/index.ts';
import type { JobQueue, KeyValueStore } from '../storage/index.ts';
import type { EmailTokenStore } from './email-tokens/index.ts';
import { ReauthRequiredError } from './errors.ts';
import type { Lockout } from './lockout.ts';
import type { AuthMethod } from './metrics.ts';
import type { MfaFactorStore } from './mfa/mfa-factor-store.ts';
import type { PasswordHasher, PasswordPolicy } from './passwords/index.ts';
import type { User, UserStore } from './users/index.ts';

/**
 * Everything the identity flows need, built once by `createIdentity()` (identity.ts). Flows are plain
 * functions of these ports: no HTTP, no concrete store.
 */
export interface IdentityDeps {
  config: LiftConfig;
  users: UserStore;
  emailTokens: EmailTokenStore;
  mfa: MfaFactorStore;
  sessions: SessionManager;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  lockout: Lockout;
  kv: KeyValueStore;
  mail: MailTransport;
  templates: MailTemplates;
  events: EventPublisher;
  clock: Clock;
  log: Logger;
  /** Seals TOTP secrets at rest (derived from the root secret). */
  totpKey: Buffer;
  /** The same key derived from previous root secrets: opens secrets sealed before a root secret change. */
  totpPreviousKeys: readonly Buffer[];
  /** Shown in mail and authenticator apps. */
  appName: string;
  /** Durable work after the response: the account-dependent halves of anonymous flows (deferred-flows.ts). */
  jobs: JobQueue;
  /** Mail, queued durably and sent by the job worker (mail/mail-queue.ts, job type `identity.mail`). */
  mailQueue: MailQueue;
  /**
   * What the tokens module offers (login with `response: tokens`), or undefined when the app has no tokens
   * module: the `tokenIssuer` capability, looked up when asked.
   */
  tokenIssuer(): TokenIssuerCapability | undefined;
  /** Runs one authentication decision, timing it (`auth_latency_seconds`, identity/metrics.ts). */
  timeAuth<T>(method: AuthMethod, decide: () => Promise<T>): Promise<T>;
}

export interface TokenGrant {
  userId: string;
  amr: string[];
  authTime: number;
  /** DPoP key thumbprint the tokens are bound to. */
  jkt?: string | null;
  /** The active tenant the access tokens carry (`tid`). */
  tenantId?: string | null;
  /** A live refresh family these tokens replace (tenant switch): see `Tokens.issuePair`. */
  succeeds?: string | null;
}

export type TokenIssuer = (grant: TokenGrant, origin: EventOrigin) => Promise<Record<string, unknown>>;

/** The capability the tokens module offers identity (and access, for a tenant switch): `tokenIssuer`. */
export interface TokenIssuerCapability {
  /** A refresh/access token pair for a proven login. */
  issue: TokenIssuer;
  /** The thumbprint of a valid DPoP proof on this request, or null when there is none (401 when invalid). */
  dpopThumbprint(ctx: Context): Promise<string | null>;
  /** Adds what a token response carries besides its body (the access-token cookie). */
  decorate(ctx: Context, tokens: Record<string, unknown>): void;
  /**
   * Ends every refresh family and access token of the user, on this node before it resolves (a credential
   * changed or the account was disabled); `reason` names the change (`auth.password.changed` …).
   */
  revokeUser(userId: string, reason: CredentialChange, origin: EventOrigin): Promise<void>;
}

/** The changes after which none of a user's tokens may keep working (the reason of `token.revoked`). */
export type CredentialChange =
  | 'user.disabled'
  | 'auth.password.changed'
  | 'auth.password.reset'
  | 'auth.mfa.enrolled'
  | 'auth.mfa.removed'
  | 'auth.mfa.reset';

/**
 * Ends the user's tokens where the credential changed, before the answer: applied by the writer itself, not
 * left to an event handler that runs after the response.
 */
export async function endTokensOf(
  deps: IdentityDeps,
  userId: string,
  change: CredentialChange,
  origin: EventOrigin,
): Promise<void> {
  await deps.tokenIssuer()?.revokeUser(userId, change, origin);
}

/** How a login ends: a cookie session, or a token pair for API clients. */
export interface LoginMode {
  kind: 'session' | 'tokens';
  /** For tokens: the DPoP key thumbprint to bind them to. */
  jkt?: string | null;
}

/** What the API shows of a user: never the password hash. */
export interface PublicUser {
  id: string;
  email: string;
  name: string | null;
  status: string;
  email_verified: boolean;
  created_at: string;
  updated_at: string;
}

export function publicUser(user: User): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    status: user.status,
    email_verified: user.emailVerifiedAt !== null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

/** Absolute link into the app for mail: `<publicUrl><auth.prefix><path>?token=…`. */
export function mailLink(deps: IdentityDeps, path: string, token: string): string {
  const base = (deps.config.auth.publicUrl ?? `http://${deps.config.host}:${deps.config.port}`).replace(
    /\/+$/,
    '',
  );
  const prefix = deps.config.auth.prefix.replace(/\/+$/, '');
  return `${base}${prefix}${path}?token=${encodeURIComponent(token)}`;
}

/**
 * Queues a mail (a durable job, storage/outbox/): a slow or failing transport never changes the response
 * (timing must not reveal which branch ran, and a mail outage must not turn "check your inbox" into a 500),
 * and a crash after the answer does not lose it. Both branches of an anonymous flow queue one.
 */
export function queueMail(deps: IdentityDeps, to: string, rendered: RenderedMail): Promise<void> {
  return deps.mailQueue.send(to, rendered);
}

/** Records one identity event with the request's origin (core/events.ts: queued, never awaited). */
export function emit<K extends LiftEventName>(
  deps: IdentityDeps,
  origin: EventOrigin,
  type: K,
  event: LiftEvents[K] & EventActor,
): void {
  deps.events.emit(type, { ...event, ...origin });
}

/**
 * One identity event with the request's origin, for `deps.events.change`: the store writes it with the change
 * it announces, in the change's transaction (the transactional outbox, core/events.ts).
 */
export function announced<K extends LiftEventName>(
  origin: EventOrigin,
  type: K,
  event: LiftEvents[K] & EventActor,
): EventSpec {
  return { type, payload: { ...event, ...origin } } as EventSpec;
}

/** Sensitive actions need a session that proved itself within `auth.freshMs`. */
export function requireFresh(session: ValidatedSession): void {
  if (!session.fresh) throw new ReauthRequiredError();
}

/** 256-bit opaque handle (MFA login step) and its stored form. */
export function newOpaqueToken(): { token: string; hash: string } {
  const token = randomSecretToken();
  return { token, hash: hashToken(token) };
}
