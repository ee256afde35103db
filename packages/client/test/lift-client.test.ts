import type { LiftEvent } from '@lift/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLiftClient, LiftClientError, type LiftClientOptions, type Tokens } from '../src/index.ts';
import {
  createVerifiedUser,
  enrollTotp,
  type LiftServer,
  lines,
  PASSWORD,
  postJson,
  recordingFetch,
  startLiftServer,
  totp,
} from './support/lift-server.ts';

/** Hits of the test route that refuses every token, so the client's retry can be counted. */
let stubbornHits = 0;

let server: LiftServer;
/** Every event the server published, for counting refreshes where they happen. */
const events: LiftEvent[] = [];
let unsubscribe: (() => Promise<void>) | undefined;

beforeAll(async () => {
  server = await startLiftServer((app) => {
    // A resource server that keeps refusing the token, as one with a wrong audience or a lagging denylist would.
    const refuse = () => {
      stubbornHits += 1;
      return new Response(JSON.stringify({ code: 'LIFT_TOKEN_INVALID' }), {
        status: 401,
        headers: {
          'content-type': 'application/problem+json',
          'www-authenticate': 'Bearer error="invalid_token"',
        },
      });
    };
    app.get('/stubborn', refuse);
    app.post('/stubborn', refuse);
    // RFC 6750 §3.1: a challenge without an error code means "no (acceptable) credentials", not "expired".
    app.get(
      '/no-credentials',
      () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer' } }),
    );
  });
  unsubscribe = await server.app.identity.events.subscribe((event) => events.push(event));
});

afterAll(async () => {
  await unsubscribe?.();
  await server?.close();
});

let users = 0;

/** A fresh verified user and a client whose requests are recorded, on the server's clock. */
async function loggedIn(options: Partial<LiftClientOptions> = {}) {
  users += 1;
  const user = await createVerifiedUser(server.app, `user${users}@example.com`);
  const recorder = recordingFetch();
  const client = createLiftClient({
    baseUrl: server.url,
    fetch: recorder.fetch,
    clock: server.clock,
    ...options,
  });
  expect(await client.login({ email: user.email, password: PASSWORD })).toEqual({ mfaRequired: false });
  recorder.sent.length = 0;
  return { user, client, sent: recorder.sent };
}

async function me(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() };
}

describe('login and fetch', () => {
  it('logs in for a Bearer token pair and sends the access token', async () => {
    const { user, client, sent } = await loggedIn();
    expect(client.tokens).toMatchObject({
      tokenType: 'Bearer',
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      issuedAt: server.clock.now(),
      expiresAt: server.clock.now() + 10_000,
    });

    expect(await me(await client.fetch('/t/me'))).toEqual({ status: 200, body: { id: user.id } });
    expect(lines(sent)).toEqual(['GET /t/me']);
    expect(sent[0]?.headers.get('authorization')).toBe(`Bearer ${client.tokens?.accessToken}`);
    expect(sent[0]?.headers.get('dpop')).toBeNull();
  });

  it('keeps the caller’s method, headers and body', async () => {
    const { client, sent } = await loggedIn();
    const response = await client.fetch('/t/me?x=1', { method: 'DELETE', headers: { 'x-trace': 'abc' } });
    await response.body?.cancel();
    expect(lines(sent)).toEqual(['DELETE /t/me?x=1']);
    expect(sent[0]?.headers.get('x-trace')).toBe('abc');
  });

  it('rejects a wrong password with the server’s code and keeps no tokens', async () => {
    const user = await createVerifiedUser(server.app, 'wrong-password@example.com');
    const client = createLiftClient({ baseUrl: server.url, clock: server.clock });
    const failure = client.login({ email: user.email, password: 'not the password at all' });
    await expect(failure).rejects.toBeInstanceOf(LiftClientError);
    await expect(failure).rejects.toMatchObject({ code: 'LIFT_INVALID_CREDENTIALS', status: 401 });
    expect(client.tokens).toBeNull();
  });

  it('sends requests without credentials before login', async () => {
    const client = createLiftClient({ baseUrl: server.url, clock: server.clock });
    const response = await client.fetch('/t/me');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'LIFT_UNAUTHENTICATED' });
  });

  it('saves tokens to storage and starts from the stored ones', async () => {
    users += 1;
    const user = await createVerifiedUser(server.app, `stored${users}@example.com`);
    const saved: (Tokens | null)[] = [];
    const storage = { load: () => saved.at(-1) ?? null, save: (tokens: Tokens | null) => saved.push(tokens) };
    const first = createLiftClient({ baseUrl: server.url, clock: server.clock, storage });
    await first.login({ email: user.email, password: PASSWORD });
    expect(saved).toEqual([first.tokens]);

    const second = createLiftClient({ baseUrl: server.url, clock: server.clock, storage });
    expect(second.tokens).toEqual(first.tokens);
    expect(await me(await second.fetch('/t/me'))).toEqual({ status: 200, body: { id: user.id } });

    await second.logout();
    expect(saved.at(-1)).toBeNull();
  });
});

describe('MFA login', () => {
  it('returns the MFA step and keeps the tokens once the code is right', async () => {
    const user = await createVerifiedUser(server.app, 'mfa@example.com');
    const secret = await enrollTotp(server, user.email);
    // The next step's code: the confirmation used up this one.
    server.clock.advance(30_000);
    const client = createLiftClient({ baseUrl: server.url, clock: server.clock });

    const result = await client.login({ email: user.email, password: PASSWORD });
    expect(result.mfaRequired).toBe(true);
    expect(client.tokens).toBeNull();
    if (!result.mfaRequired) return;

    await expect(result.complete('000000')).rejects.toMatchObject({ status: 401 });
    expect(client.tokens).toBeNull();
    await result.complete(totp(secret, server.clock.now()));
    expect(client.tokens?.tokenType).toBe('Bearer');
    expect(await me(await client.fetch('/t/me'))).toEqual({ status: 200, body: { id: user.id } });
  });
});

describe('refresh before expiry', () => {
  it('refreshes once half the 10 s lifetime is left (the default 30 s skew is capped) and not before', async () => {
    const { user, client, sent } = await loggedIn();
    const first = client.tokens!;

    server.clock.advance(4_999);
    expect((await client.fetch('/t/me')).status).toBe(200);
    expect(lines(sent)).toEqual(['GET /t/me']);

    server.clock.advance(1);
    expect(await me(await client.fetch('/t/me'))).toEqual({ status: 200, body: { id: user.id } });
    expect(lines(sent)).toEqual(['GET /t/me', 'POST /auth/token', 'GET /t/me']);
    expect(client.tokens?.accessToken).not.toBe(first.accessToken);
    expect(client.tokens?.refreshToken).not.toBe(first.refreshToken);
    expect(client.tokens?.expiresAt).toBe(server.clock.now() + 10_000);
    expect(sent[2]?.headers.get('authorization')).toBe(`Bearer ${client.tokens?.accessToken}`);
  });

  it('honours a skew shorter than half the lifetime', async () => {
    const { client, sent } = await loggedIn({ refreshSkewMs: 2_000 });
    server.clock.advance(7_999);
    await (await client.fetch('/t/me')).body?.cancel();
    server.clock.advance(1);
    await (await client.fetch('/t/me')).body?.cancel();
    expect(lines(sent)).toEqual(['GET /t/me', 'POST /auth/token', 'GET /t/me']);
  });

  it('sends one refresh for 20 concurrent requests, and the login survives it', async () => {
    const { user, client, sent } = await loggedIn();
    server.clock.advance(6_000);

    const responses = await Promise.all(Array.from({ length: 20 }, () => client.fetch('/t/me')));
    const bodies = await Promise.all(responses.map(me));
    expect(bodies).toEqual(Array.from({ length: 20 }, () => ({ status: 200, body: { id: user.id } })));
    expect(lines(sent).filter((line) => line === 'POST /auth/token')).toHaveLength(1);
    const ofUser = (type: string) =>
      events.filter((event) => event.type === type && (event.actor ?? event.subject) === user.id);
    await vi.waitFor(() => expect(ofUser('token.refreshed')).toHaveLength(1));
    expect(ofUser('token.reuse_detected')).toEqual([]);

    // Had a second refresh presented the rotated token, the server would have revoked the family
    // (LIFT_TOKEN_REUSED) and this refresh would fail.
    server.clock.advance(6_000);
    expect((await client.fetch('/t/me')).status).toBe(200);
    expect(lines(sent).filter((line) => line === 'POST /auth/token')).toHaveLength(2);
  });

  it('forgets the tokens and rejects with the server’s code when the refresh token is refused', async () => {
    const { client } = await loggedIn();
    const revoked = await postJson(`${server.url}/auth/revoke`, { token: client.tokens!.refreshToken });
    expect(revoked.status).toBe(200);
    server.clock.advance(6_000);

    await expect(client.fetch('/t/me')).rejects.toMatchObject({ code: 'LIFT_INVALID_GRANT', status: 400 });
    expect(client.tokens).toBeNull();
  });
});

describe('retry after a 401', () => {
  it('refreshes and retries once when the access token was revoked', async () => {
    const { user, client, sent } = await loggedIn();
    const revoked = await postJson(`${server.url}/auth/revoke`, {
      token: client.tokens!.accessToken,
      token_type_hint: 'access_token',
    });
    expect(revoked.status).toBe(200);

    expect(await me(await client.fetch('/t/me'))).toEqual({ status: 200, body: { id: user.id } });
    expect(lines(sent)).toEqual(['GET /t/me', 'POST /auth/token', 'GET /t/me']);
  });

  it('resends the body of a POST on the retry', async () => {
    const { client, sent } = await loggedIn();
    const response = await client.fetch('/stubborn', { method: 'POST', body: 'payload' });
    await response.body?.cancel();
    expect(lines(sent)).toEqual(['POST /stubborn', 'POST /auth/token', 'POST /stubborn']);
    expect([sent[0]?.body, sent[2]?.body]).toEqual(['payload', 'payload']);
  });

  it('does not resend a stream body (it is used up); the 401 goes to the caller', async () => {
    const { client, sent } = await loggedIn();
    const body = new Blob(['payload']).stream();
    const response = await client.fetch('/stubborn', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect(lines(sent)).toEqual(['POST /stubborn']);
  });

  it('returns a second consecutive 401 to the caller instead of retrying again', async () => {
    const { client, sent } = await loggedIn();
    stubbornHits = 0;
    const response = await client.fetch('/stubborn');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 'LIFT_TOKEN_INVALID' });
    expect(stubbornHits).toBe(2);
    expect(lines(sent)).toEqual(['GET /stubborn', 'POST /auth/token', 'GET /stubborn']);
  });

  it('does not refresh after a 401 that does not say invalid_token', async () => {
    const { client, sent } = await loggedIn();
    const response = await client.fetch('/no-credentials');
    expect(response.status).toBe(401);
    expect(lines(sent)).toEqual(['GET /no-credentials']);
  });
});

describe('logout', () => {
  it('revokes the refresh token (and so the login’s access tokens) and forgets the tokens', async () => {
    const { client, sent } = await loggedIn();
    const { accessToken, refreshToken } = client.tokens!;

    await client.logout();
    expect(client.tokens).toBeNull();
    expect(lines(sent)).toEqual(['POST /auth/revoke']);

    const refresh = await postJson(`${server.url}/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    expect(refresh).toMatchObject({ status: 400, body: { code: 'LIFT_INVALID_GRANT' } });
    const old = await fetch(`${server.url}/t/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ code: 'LIFT_TOKEN_INVALID' });
  });

  it('waits for a refresh in flight and revokes its successor, not the rotated token', async () => {
    const { client, sent } = await loggedIn();
    const rotated = client.tokens!.refreshToken;
    server.clock.advance(6_000);
    const pending = client.fetch('/t/me');
    await client.logout();
    await (await pending).body?.cancel();

    const revoke = sent.find((request) => request.path === '/auth/revoke');
    const revokedToken = (JSON.parse(revoke?.body ?? '{}') as { token?: string }).token;
    expect(revokedToken).toEqual(expect.any(String));
    expect(revokedToken).not.toBe(rotated);
    expect(client.tokens).toBeNull();
    const refresh = await postJson(`${server.url}/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: revokedToken,
    });
    expect(refresh).toMatchObject({ status: 400, body: { code: 'LIFT_INVALID_GRANT' } });
  });
});
