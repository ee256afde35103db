import { afterEach, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/core/authenticate.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { requireScope } from '../../src/tokens/require-scope.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, startAuthApp } from '../support/auth-app.ts';
import { tokenLogin, withBearer } from './token-client.ts';

/**
 * `requireScope()` on the app's own tokens: the `scope` claim (here from `tokenClaims`) becomes the principal's
 * scopes; a token without the route's scope is 403 `LIFT_INSUFFICIENT_SCOPE`; a session passes.
 */

let auth: AuthApp | undefined;
/** The user whose tokens get `notes:read`. */
let readerId = '';
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

async function scopedApp(): Promise<AuthApp> {
  const started = await startAuthApp({}, new ManualClock(), {
    tokenClaims: (input) => ({ scope: input.userId === readerId ? 'notes:read profile' : 'profile' }),
  });
  started.app.group('/s', requireAuth(), requireScope('notes:read')).get('/notes', (ctx) => ({
    scopes: ctx.principal?.scopes ?? null,
  }));
  return started;
}

describe('requireScope with the tokens module', () => {
  it('lets a token with the scope through, refuses one without, and lets a session through', async () => {
    auth = await scopedApp();
    const reader = new Browser(auth.app);
    readerId = (await signUpVerified(reader, 'reader@example.com')).userId;
    const other = new Browser(auth.app);
    await signUpVerified(other, 'other@example.com');

    const granted = await withBearer(
      auth,
      '/s/notes',
      (await tokenLogin(auth, 'reader@example.com')).access_token,
    );
    expect(granted.status).toBe(200);
    expect(await granted.json()).toEqual({ scopes: ['notes:read', 'profile'] });

    const refused = await withBearer(
      auth,
      '/s/notes',
      (await tokenLogin(auth, 'other@example.com')).access_token,
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="notes:read"',
    );
    expect(((await refused.json()) as { code: string }).code).toBe('LIFT_INSUFFICIENT_SCOPE');

    // The session the verification link opened: the user themself, not a delegated token.
    const session = await other.request('/s/notes');
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({ scopes: null });
  });

  it('refuses a malformed scope name when the route is declared', () => {
    expect(() => requireScope()).toThrow('requireScope() needs at least one scope.');
    expect(() => requireScope('notes read')).toThrow('"notes read" is not a scope token');
    expect(() => requireScope('a"b')).toThrow('is not a scope token');
  });
});
