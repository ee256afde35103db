import type { Logger } from 'pino';
import type { LiftConfig } from '../core/config/schema.ts';
import { sessionCookieSettings } from '../sessions/index.ts';

/**
 * Said once, by the process that serves browsers (`app.listen()`): not by every CLI command or every app a test
 * builds, where it would only train people to skip warnings.
 */
export function warnInsecureCookie(config: LiftConfig, log: Logger, hasSessions: boolean): void {
  if (!hasSessions || config.env === 'test') return;
  const cookie = sessionCookieSettings(config);
  if (cookie.secure) return;
  log.warn(
    { cookie: cookie.name },
    'session cookie without Secure (development over plain HTTP); production uses __Host-lift_session with Secure',
  );
}
