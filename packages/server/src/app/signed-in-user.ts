import type { LiftApp } from './create-lift.ts';

/** A user an app's test acts as: its id, a session cookie and (when the app has tokens) an access token. */
export interface SignedInUser {
  id: string;
  email: string;
  /** The `Cookie` header value of a fresh session. */
  cookie: string;
  /** An access token for the same user, or null when the app has no tokens module. */
  bearer: string | null;
}

export interface SignedInUserOptions {
  /** The tenant the access token names (`tid`). */
  tenantId?: string;
  /** The token's `scope`. */
  scope?: string;
}

/**
 * Creates a user (email already verified, no password) and signs it in, without going through the HTTP
 * journeys, which have their own tests: for an app's tests of its own routes. Call after `app.start()`.
 */
export async function signedInUser(
  app: LiftApp,
  email: string,
  options: SignedInUserOptions = {},
): Promise<SignedInUser> {
  const { identity } = app;
  const user = await identity.users.create({ email });
  await identity.users.markEmailVerified(user.id);
  const amr = ['pwd'];
  const { token } = await identity.sessions.create({ userId: user.id, amr, origin: {} });
  const hasTokens = app.modules.includes('tokens');
  const pair = hasTokens
    ? await app.tokens.issuePair(
        { userId: user.id, amr, authTime: app.clock.now(), tenantId: options.tenantId, scope: options.scope },
        {},
      )
    : null;
  return {
    id: user.id,
    email: user.email,
    cookie: `${identity.cookie.name}=${token}`,
    bearer: pair?.access_token ?? null,
  };
}
