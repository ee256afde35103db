import type { Logger } from 'pino';
import type { LiftConfig } from '../core/config/schema.ts';
import type { Identity } from '../identity/index.ts';
import { bootstrapDevelopmentAdmin } from '../identity/index.ts';

/**
 * In development with an empty user table, creates a first admin without a password and prints its one-time
 * set-password link, so a fresh clone can log in. Production never does this (`lift users create --admin`).
 */
export async function bootstrapAdminInDevelopment(
  identity: Identity,
  config: LiftConfig,
  log: Logger,
): Promise<void> {
  if (config.env !== 'development') return;
  const created = await bootstrapDevelopmentAdmin(identity);
  if (created) {
    log.warn(
      { email: created.user.email, link: created.link },
      `no users yet: set the first admin's password (one-time link) at ${created.link}`,
    );
  }
}
