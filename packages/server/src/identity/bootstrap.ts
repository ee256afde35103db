import { RESET_PATH } from './account-flows.ts';
import type { Identity } from './identity.ts';
import { mailLink, type PublicUser, publicUser } from './identity-deps.ts';
import { EmailTakenError, type User } from './users/index.ts';

/**
 * No default accounts: the first user is created by `lift users create --email … --admin`, or, in
 * development only, on the first start with an empty user table. Either way the new user has no password;
 * what is printed is a one-time set-password link (single use, stored hashed, `auth.emailTokenTtlMs`).
 */

export const DEVELOPMENT_ADMIN_EMAIL = 'admin@lift.localhost';

export interface CreatedUser {
  user: PublicUser;
  /** The one-time set-password link. */
  link: string;
}

export async function createUserWithLink(
  identity: Identity,
  input: { email: string; name?: string | null; admin?: boolean },
): Promise<CreatedUser> {
  const deps = identity.deps;
  // `user.created` commits with the new user (the transactional outbox).
  const user = await deps.events.change<User>(
    (announce) => deps.users.create({ email: input.email, name: input.name ?? null }, { announce }),
    (created) => [
      {
        type: 'user.created',
        payload: { actor: 'system', subject: created.id, data: { admin: input.admin === true } },
      },
    ],
  );
  if (input.admin) await identity.roles.grant(user.id, 'admin');
  const token = await deps.emailTokens.issue(user.id, 'set_password', deps.config.auth.emailTokenTtlMs);
  return { user: publicUser(user), link: mailLink(deps, RESET_PATH, token) };
}

/** Development only: creates the first admin when there are no users yet; null when there are. */
export async function bootstrapDevelopmentAdmin(identity: Identity): Promise<CreatedUser | null> {
  const page = await identity.deps.users.list({ limit: 1 });
  if (page.users.length > 0) return null;
  try {
    return await createUserWithLink(identity, { email: DEVELOPMENT_ADMIN_EMAIL, name: 'Admin', admin: true });
  } catch (error) {
    // Another worker of the same cluster got there first.
    if (error instanceof EmailTakenError) return null;
    throw error;
  }
}
