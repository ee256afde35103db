import type { Logger } from 'pino';
import type { AuthResolver } from '../core/authenticate.ts';
import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import type { Context } from '../core/context.ts';
import { LiftConfigError } from '../core/errors.ts';
import { EventPublisher } from '../core/events.ts';
import { createMailTemplates, type MailTemplates, type MailTransport } from '../mail/index.ts';
import { createSessionStore } from '../sessions/create-session-store.ts';
import { type SessionCookieSettings, sessionCookieSettings } from '../sessions/session-cookie.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { sessionResolver } from '../sessions/session-resolver.ts';
import type { Storage } from '../storage/ports.ts';
import { BackgroundTasks } from './background.ts';
import { SqlEmailTokenStore } from './email-tokens/index.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { createLockout } from './lockout.ts';
import { TOTP_KEY_PURPOSE } from './mfa/index.ts';
import { SqlMfaFactorStore } from './mfa/sql-mfa-factor-store.ts';
import { createPasswordHasher, createPasswordPolicy } from './passwords/index.ts';
import { type AttemptThrottle, createKvAttemptThrottle } from './throttle.ts';
import { SqlUserStore } from './users/index.ts';

/**
 * The composition of users, credentials, sessions and mail: built once per app by `createLift` (after the
 * root secret is known) from the app's storage, mail transport, clock and configuration.
 */

export interface IdentitySources {
  config: LiftConfig;
  storage: Storage;
  mail: MailTransport;
  clock: Clock;
  log: Logger;
  deriveKey(purpose: string): Buffer;
  /** The key for `purpose` derived from each previous root secret (`secretPrevious`); opens, never seals. */
  previousKeys(purpose: string): Buffer[];
  templates?: MailTemplates;
  /** The app's event publisher (one per app, shared with other modules). */
  events?: EventPublisher;
  /** Global roles of users, kept by the access-control module (`app.access`). */
  systemRoles: SystemRoleDirectory;
}

/** What identity needs of access control: making a user a system admin, and listing a user's system roles. */
export interface SystemRoleDirectory {
  /** Grants the system role `role` to the user globally. */
  grant(userId: string, role: string): Promise<void>;
  /** The system roles the user holds globally, inherited ones included, sorted. */
  rolesOf(userId: string): Promise<string[]>;
}

export type IdentityThrottleBucket = 'login' | 'signup' | 'forgot' | 'reset' | 'mfa';

export class Identity {
  readonly deps: IdentityDeps;
  readonly roles: SystemRoleDirectory;
  readonly throttle: AttemptThrottle;
  readonly cookie: SessionCookieSettings;
  /**
   * Set by the app when tokens are on: the thumbprint of a valid DPoP proof on this request (login binds the
   * tokens to it), or null when the request has none.
   */
  dpopThumbprint: ((ctx: Context) => Promise<string | null>) | undefined;
  /** Set by the app when tokens are on: adds what a token response carries besides its body (a cookie). */
  decorateTokenResponse: ((ctx: Context, tokens: Record<string, unknown>) => void) | undefined;
  /** The session-cookie resolver of the app's authentication chain. */
  readonly resolveSession: AuthResolver;
  readonly #publicOrigin: string | undefined;

  constructor(sources: IdentitySources) {
    const { config, storage, clock, log } = sources;
    if (config.env === 'production' && !config.auth.publicUrl) {
      throw new LiftConfigError(
        'auth.publicUrl is required in production: links in mail (verification, password reset) are built from it. Set LIFT_AUTH__PUBLIC_URL=https://your.app',
      );
    }
    const events = sources.events ?? new EventPublisher(() => storage.broker, clock, log);
    this.cookie = sessionCookieSettings(config);
    const sessions = new SessionManager({
      store: createSessionStore({ config, storage, log, clock }),
      broker: () => storage.broker,
      events,
      clock,
      log,
      settings: {
        idleTimeoutMs: config.sessions.idleTimeoutMs,
        absoluteLifetimeMs: config.sessions.absoluteLifetimeMs,
        renewIntervalMs: config.sessions.renewIntervalMs,
        cacheTtlMs: config.sessions.cacheTtlMs,
        cacheSize: config.sessions.cacheSize,
        maxPerUser: config.sessions.maxPerUser,
        maxPerUserPolicy: config.sessions.maxPerUserPolicy,
        binding: config.sessions.binding,
        freshMs: config.auth.freshMs,
      },
    });
    const passwords = config.passwords;
    this.deps = {
      config,
      users: new SqlUserStore(storage.sql, { clock }),
      emailTokens: new SqlEmailTokenStore(storage.sql, { clock }),
      mfa: new SqlMfaFactorStore(storage.sql, { clock }),
      sessions,
      hasher: createPasswordHasher({
        memoryCost: passwords.memoryCost,
        timeCost: passwords.timeCost,
        parallelism: passwords.parallelism,
      }),
      policy: createPasswordPolicy({
        minLength: passwords.minLength,
        minScore: passwords.minScore as 0 | 1 | 2 | 3 | 4,
      }),
      lockout: createLockout({
        kv: storage.kv,
        clock,
        threshold: config.lockout.threshold,
        baseMs: config.lockout.baseMs,
        maxMs: config.lockout.maxMs,
        resetRequiredAfter: config.lockout.resetRequiredAfter,
      }),
      kv: storage.kv,
      mail: sources.mail,
      templates: sources.templates ?? createMailTemplates(),
      events,
      clock,
      log,
      totpKey: sources.deriveKey(TOTP_KEY_PURPOSE),
      totpPreviousKeys: sources.previousKeys(TOTP_KEY_PURPOSE),
      appName: config.auth.appName,
      background: new BackgroundTasks(log),
    };
    this.roles = sources.systemRoles;
    const minute = 60_000;
    const throttle = config.auth.throttle;
    this.throttle = createKvAttemptThrottle({
      kv: storage.kv,
      clock,
      prefix: 'identity:throttle:',
      limits: {
        login: { limit: throttle.login, windowMs: minute },
        signup: { limit: throttle.signup, windowMs: minute },
        forgot: { limit: throttle.forgot, windowMs: minute },
        reset: { limit: throttle.reset, windowMs: minute },
        mfa: { limit: throttle.mfa, windowMs: minute },
      },
    });
    this.#publicOrigin = config.auth.publicUrl ? new URL(config.auth.publicUrl).origin : undefined;
    this.resolveSession = sessionResolver({
      sessions,
      cookie: this.cookie,
      events,
      allowedOrigins: config.auth.csrfAllowedOrigins,
      publicOrigin: this.#publicOrigin,
    });
  }

  /** Origins this app is served from: the request's own, and `auth.publicUrl`'s. */
  ownOrigins(requestOrigin: string): string[] {
    return this.#publicOrigin === undefined ? [requestOrigin] : [requestOrigin, this.#publicOrigin];
  }

  get sessions(): SessionManager {
    return this.deps.sessions;
  }

  get events(): EventPublisher {
    return this.deps.events;
  }

  /** Subscribes to revocations from other nodes and starts the purge task. */
  async start(): Promise<void> {
    const tokens = this.deps.emailTokens;
    await this.deps.sessions.start(this.deps.config.sessions.purgeIntervalMs, (now) =>
      tokens.purgeExpired(now),
    );
  }

  /** Resolves when mail and other work queued after responses has finished. */
  idle(): Promise<void> {
    return this.deps.background.idle();
  }

  async close(): Promise<void> {
    await this.deps.background.idle();
    await this.deps.sessions.close();
  }
}
