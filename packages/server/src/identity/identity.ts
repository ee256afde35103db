import type { Logger } from 'pino';
import type { AuthResolver } from '../core/authenticate.ts';
import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { EventOrigin, EventPublisher } from '../core/events.ts';
import type { ModuleKeys } from '../core/module.ts';
import type { Tracer } from '../core/tracing.ts';
import type { Limits } from '../limits/index.ts';
import { createMailTemplates, MailQueue, type MailTemplates, type MailTransport } from '../mail/index.ts';
import type { SessionCookieSettings, SessionManager, Sessions } from '../sessions/index.ts';
import type { JobQueue, KeyValueStore } from '../storage/index.ts';
import { signup } from './account-flows.ts';
import { registerDeferredFlows } from './deferred-flows.ts';
import type { EmailTokenStore } from './email-tokens/index.ts';
import {
  type IdentityDeps,
  type PublicUser,
  publicUser,
  type TokenIssuerCapability,
} from './identity-deps.ts';
import { createLockout } from './lockout.ts';
import type { IdentityMetrics } from './metrics.ts';
import { TOTP_KEY_PURPOSE } from './mfa/index.ts';
import type { MfaFactorStore } from './mfa/mfa-factor-store.ts';
import { createPasswordHasher, createPasswordPolicy } from './passwords/index.ts';
import { type AttemptThrottles, attemptThrottles } from './throttle.ts';
import type { User, UserStore } from './users/index.ts';

/**
 * The identity module's face (`app.identity`): users, credentials, lockout, MFA and mailed links, built once per
 * app by the module's `build` (identity/module.ts) from its ports, the sessions module and the capabilities other
 * modules offer (a token issuer, a directory of system roles).
 */

export interface IdentityPorts {
  users: UserStore;
  emailTokens: EmailTokenStore;
  mfaFactors: MfaFactorStore;
  kv: KeyValueStore;
  mail: MailTransport;
  /** Durable background work: identity's mail and deferred flows go through it. */
  jobs: JobQueue;
}

export interface IdentitySources {
  config: LiftConfig;
  ports: IdentityPorts;
  sessions: Sessions;
  /** The limits module: the per-IP attempt throttles are its policies (`auth-login`, `auth-signup` …). */
  limits: Limits;
  clock: Clock;
  log: Logger;
  /** Root-secret keys (TOTP secrets are sealed with one); read at first use, after the app started. */
  keys: ModuleKeys;
  templates?: MailTemplates;
  /** The app's event publisher (one per app, shared with other modules). */
  events: EventPublisher;
  /** The app's tracer: password hashing and verification get spans. */
  tracer?: Tracer;
  /** The `systemRoles` capability (the access module's), looked up when asked. */
  systemRoles: () => SystemRoleDirectory | undefined;
  /** The `tokenIssuer` capability (the tokens module's), looked up when asked. */
  tokenIssuer: () => TokenIssuerCapability | undefined;
  /** Times authentication decisions (`auth_latency_seconds`); without it they are not timed. */
  metrics?: Pick<IdentityMetrics, 'time'>;
}

/** What identity needs of access control: making a user a system admin, and listing a user's system roles. */
export interface SystemRoleDirectory {
  /** Grants the system role `role` to the user globally. */
  grant(userId: string, role: string): Promise<void>;
  /** The system roles the user holds globally, inherited ones included, sorted. */
  rolesOf(userId: string): Promise<string[]>;
}

/** The job type of identity's mail. */
const MAIL_JOB = 'identity.mail';
/** The key that seals identity's queued mail, derived from the root secret. */
const MAIL_KEY_PURPOSE = 'lift identity mail queue';

/** Who the users are, read-only: what other modules (access: members, invitees, grant subjects) may look up. */
export interface UserDirectory {
  findById(id: string): Promise<PublicUser | null>;
  /** By address, compared normalised (`Carol@Example.com` finds `carol@example.com`). */
  findByEmail(email: string): Promise<PublicUser | null>;
}

/** What an invited signup gives: the invited address, the password and an optional display name. */
export interface InvitedSignup {
  email: string;
  password: string;
  name?: string | null | undefined;
}

export type { IdentityThrottleBucket } from './throttle.ts';

export class Identity {
  /** Identity's own flows run on these; other modules use the face's methods, never this. */
  readonly deps: IdentityDeps;
  readonly directory: UserDirectory;
  readonly roles: SystemRoleDirectory;
  readonly throttle: AttemptThrottles;
  readonly cookie: SessionCookieSettings;
  /** The session-cookie resolver of the app's authentication chain. */
  readonly resolveSession: AuthResolver;
  readonly #publicOrigin: string | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;

  constructor(sources: IdentitySources) {
    const { config, ports, clock, log, events, keys } = sources;
    this.cookie = sources.sessions.cookie;
    this.resolveSession = sources.sessions.resolve;
    const passwords = config.passwords;
    this.deps = {
      config,
      users: ports.users,
      emailTokens: ports.emailTokens,
      mfa: ports.mfaFactors,
      sessions: sources.sessions.manager,
      hasher: createPasswordHasher({
        memoryCost: passwords.memoryCost,
        timeCost: passwords.timeCost,
        parallelism: passwords.parallelism,
        tracer: sources.tracer,
      }),
      policy: createPasswordPolicy({
        minLength: passwords.minLength,
        minScore: passwords.minScore as 0 | 1 | 2 | 3 | 4,
      }),
      lockout: createLockout({
        kv: ports.kv,
        clock,
        threshold: config.lockout.threshold,
        baseMs: config.lockout.baseMs,
        maxMs: config.lockout.maxMs,
        resetRequiredAfter: config.lockout.resetRequiredAfter,
      }),
      kv: ports.kv,
      // Made at first use (or at start): building an app for `lift migrate` needs no mail destination.
      get mail() {
        return ports.mail;
      },
      templates: sources.templates ?? createMailTemplates(),
      events,
      clock,
      log,
      // Derived at first use: the root secret is known only once the app has started.
      get totpKey() {
        return keys.derive(TOTP_KEY_PURPOSE);
      },
      get totpPreviousKeys() {
        return keys.previous(TOTP_KEY_PURPOSE);
      },
      appName: config.auth.appName,
      jobs: ports.jobs,
      mailQueue: new MailQueue({
        jobs: ports.jobs,
        mail: () => ports.mail,
        keys,
        // Fixed: mail already queued under these is still delivered.
        type: MAIL_JOB,
        keyPurpose: MAIL_KEY_PURPOSE,
      }),
      tokenIssuer: sources.tokenIssuer,
      timeAuth: sources.metrics?.time ?? ((_method, decide) => decide()),
    };
    registerDeferredFlows(this.deps);
    this.directory = userDirectory(ports.users);
    this.roles = {
      grant: (userId, role) => systemRolesOrFail(sources.systemRoles).grant(userId, role),
      rolesOf: (userId) => systemRolesOrFail(sources.systemRoles).rolesOf(userId),
    };
    this.throttle = attemptThrottles(sources.limits, config.auth.throttle);
    this.#publicOrigin = config.auth.publicUrl ? new URL(config.auth.publicUrl).origin : undefined;
  }

  /**
   * Signs up an address someone was invited with, even when `signup.mode` is `invite`: the same answers and
   * mails as `POST /auth/signup` (a verification mail for a new account, the "someone tried" mail otherwise).
   */
  signUpInvited(input: InvitedSignup, origin: EventOrigin): Promise<void> {
    return signup(this.deps, input, origin, { invited: true });
  }

  /** Origins this app is served from: the request's own, and `auth.publicUrl`'s. */
  ownOrigins(requestOrigin: string): string[] {
    return this.#publicOrigin === undefined ? [requestOrigin] : [requestOrigin, this.#publicOrigin];
  }

  get sessions(): SessionManager {
    return this.deps.sessions;
  }

  /** The user accounts (what an app reads and creates through `app.identity.users`). */
  get users(): UserStore {
    return this.deps.users;
  }

  get events(): EventPublisher {
    return this.deps.events;
  }

  /** Starts the purge of used and expired mailed-link tokens (on the sessions' purge interval). */
  async start(): Promise<void> {
    const config = this.deps.config;
    if (config.env === 'production' && !config.auth.publicUrl) {
      throw new LiftConfigError(
        'auth.publicUrl is required in production: links in mail (verification, password reset) are built from it. Set LIFT_AUTH__PUBLIC_URL=https://your.app',
      );
    }
    // A server that cannot send its mail refuses to start (production without mail.url, an unknown scheme).
    void this.deps.mail;
    const intervalMs = this.deps.config.sessions.purgeIntervalMs;
    if (intervalMs <= 0 || this.#purgeTimer !== undefined) return;
    this.#purgeTimer = setInterval(() => void this.#purgeEmailTokens(), intervalMs);
    this.#purgeTimer.unref();
  }

  async #purgeEmailTokens(): Promise<void> {
    try {
      const purged = await this.deps.emailTokens.purgeExpired(this.deps.clock.now());
      this.deps.log.info({ purged }, 'purged expired mailed-link tokens');
    } catch (error) {
      this.deps.log.error(
        { err: error },
        'purging mailed-link tokens failed; will retry at the next interval',
      );
    }
  }

  /** Resolves when mail and other work queued after responses has had its attempt. */
  idle(): Promise<void> {
    return this.deps.jobs.idle();
  }

  /** Stops the purge. Jobs in hand are finished by the outbox's close, which runs after the modules'. */
  async close(): Promise<void> {
    if (this.#purgeTimer) clearInterval(this.#purgeTimer);
    this.#purgeTimer = undefined;
  }
}

/** The read-only view of `users` other modules get: public shapes, never a password hash or a write. */
function userDirectory(users: UserStore): UserDirectory {
  const publicOrNull = (user: User | null): PublicUser | null => (user === null ? null : publicUser(user));
  return {
    findById: async (id) => publicOrNull(await users.findById(id)),
    findByEmail: async (email) => publicOrNull(await users.findByEmail(email)),
  };
}

function systemRolesOrFail(directory: () => SystemRoleDirectory | undefined): SystemRoleDirectory {
  const found = directory();
  if (found === undefined) {
    throw new LiftConfigError('This app has no access module: system roles need access control.');
  }
  return found;
}
