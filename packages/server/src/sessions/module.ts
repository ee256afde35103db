import type { AuthResolver } from '../core/authenticate.ts';
import type { LiftModule } from '../core/module.ts';
import { sessionsConfig } from './config.ts';
import { SESSIONS_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import { SESSIONS_METRICS, sessionsMetrics } from './metrics.ts';
import { sessionsMigrations } from './migrations.ts';
import { type SessionCookieSettings, sessionCookieSettings } from './session-cookie.ts';
import { SessionManager } from './session-manager.ts';
import { sessionResolver } from './session-resolver.ts';
import type { SessionStore } from './session-store.ts';

/**
 * The sessions module: the session manager (per-node cache, broker invalidation, renewal, caps, binding), the
 * session cookie and the `session` resolver of the authentication chain. Its store is the `sessions` port (SQL,
 * or Redis in front of SQL), built by the app's shape.
 */

export interface Sessions {
  manager: SessionManager;
  cookie: SessionCookieSettings;
  /** The session-cookie resolver (also added to the app's authentication chain as `session`). */
  resolve: AuthResolver;
}

declare module '../core/module.ts' {
  interface LiftModules {
    sessions: Sessions;
  }
  interface LiftPorts {
    sessions: SessionStore;
  }
}

export function sessionsModule(): LiftModule<'sessions', Sessions> {
  return {
    name: 'sessions',
    errors: SESSIONS_ERRORS,
    metrics: SESSIONS_METRICS,
    config: sessionsConfig,
    migrations: sessionsMigrations,
    build({ config, ports, events, clock, log, metrics }) {
      // Refuse a weakened production cookie at build, not at the first login.
      const cookie = sessionCookieSettings(config);
      const settings = config.sessions;
      const manager = new SessionManager({
        store: ports.sessions,
        invalidation: ports.invalidation,
        events,
        clock,
        log,
        settings: {
          idleTimeoutMs: settings.idleTimeoutMs,
          absoluteLifetimeMs: settings.absoluteLifetimeMs,
          renewIntervalMs: settings.renewIntervalMs,
          cacheTtlMs: settings.cacheTtlMs,
          cacheSize: settings.cacheSize,
          maxPerUser: settings.maxPerUser,
          maxPerUserPolicy: settings.maxPerUserPolicy,
          binding: settings.binding,
          freshMs: config.auth.freshMs,
        },
      });
      const publicOrigin = config.auth.publicUrl ? new URL(config.auth.publicUrl).origin : undefined;
      const resolve = sessionResolver({
        sessions: manager,
        cookie,
        events,
        allowedOrigins: config.auth.csrfAllowedOrigins,
        publicOrigin,
      });
      return {
        face: { manager, cookie, resolve },
        authResolvers: [{ name: 'session', resolve }],
        on: [sessionsMetrics(metrics, () => ports.sessions.countActive(clock.now()))],
        start: () => manager.start(settings.purgeIntervalMs),
        close: () => manager.close(),
      };
    },
  };
}
