import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLift, type LiftApp, principalOf, requireAuth } from '../src/index.ts';
import { ManualClock, type SignedInUser, signedInUser } from '../src/testing.ts';

/** `@lift/server/testing` as an app's own test uses it: the snippet of docs/getting-started.md, on real requests. */
describe('@lift/server/testing: signedInUser', () => {
  let app: LiftApp;
  let alice: SignedInUser;
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

  beforeAll(async () => {
    app = createLift({ env: 'test', storage: { url: 'sqlite::memory:' } }, { clock });
    app.group('/me', requireAuth()).get('/', (ctx) => {
      const principal = principalOf(ctx);
      return { id: principal.userId, method: principal.authMethod };
    });
    await app.start();
    alice = await signedInUser(app, 'Alice@Example.com');
  });
  afterAll(() => app.close());

  const me = (headers: Record<string, string>) => app.fetch(new Request('http://test/me', { headers }));

  it('signs a user in by session cookie', async () => {
    const response = await me({ cookie: alice.cookie });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: alice.id, method: 'session' });
    expect(alice.email).toBe('Alice@example.com');
  });

  it('gives the same user an access token', async () => {
    expect(alice.bearer).toEqual(expect.any(String));
    const response = await me({ authorization: `Bearer ${alice.bearer}` });
    expect(await response.json()).toEqual({ id: alice.id, method: 'bearer' });
  });

  it('leaves requests without its credentials unauthenticated', async () => {
    expect((await me({})).status).toBe(401);
  });

  it('makes a user whose email is verified', async () => {
    expect((await app.identity.users.findById(alice.id))?.emailVerifiedAt).not.toBeNull();
  });
});
