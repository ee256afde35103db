import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBase32, generateTotp } from '../../src/identity/mfa/index.ts';
import { signUpVerified, type VerifiedUser } from '../sessions/verified-user.ts';
import { type AuthApp, type Browser, GOOD_PASSWORD } from '../support/auth-app.ts';
import {
  decodeJwt,
  eventMatching,
  expectRejected,
  ME,
  newClient,
  postForm,
  problemOf,
  refreshed,
  refreshJson,
  startTokenApp,
  type TokenPairBody,
  tokenLogin,
  withBearer,
} from './token-client.ts';

/**
 * Bearer tokens as a client sees them over HTTP: token login, the JWT it gets, discovery, refresh with
 * rotation and reuse detection, expiry, revocation (RFC 7009), introspection (RFC 7662), the credential
 * changes that end every token of a user, and signing key rotation.
 */

const TTL_S = 600;
const SKEW_MS = 30_000;
const NEW_PASSWORD = 'velvet otter juggles lanterns 77';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(config: Parameters<typeof startTokenApp>[0] = {}): Promise<AuthApp> {
  env = await startTokenApp(config);
  return env;
}

interface Member {
  auth: AuthApp;
  browser: Browser;
  user: VerifiedUser;
}

/** An app with one verified user whose browser holds a (fresh) session. */
async function withUser(config: Parameters<typeof startTokenApp>[0] = {}): Promise<Member> {
  const auth = await start(config);
  const browser = newClient(auth);
  const user = await signUpVerified(browser, 'ada@example.com');
  return { auth, browser, user };
}

async function meStatus(auth: AuthApp, token: string): Promise<number> {
  const response = await withBearer(auth, ME, token);
  await response.body?.cancel();
  return response.status;
}

async function expectInvalidGrant(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  expect(await problemOf(response)).toMatchObject({ code: 'LIFT_INVALID_GRANT', error: 'invalid_grant' });
}

function expectPair(body: TokenPairBody): void {
  expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: TTL_S });
  expect(body.access_token.split('.')).toHaveLength(3);
  expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
}

describe('login for tokens', () => {
  it('answers the body flag with a token pair, no cookie and Cache-Control: no-store', async () => {
    const { auth, user } = await withUser();
    const client = newClient(auth);
    const response = await client.post('/auth/login', {
      email: user.email,
      password: GOOD_PASSWORD,
      response: 'tokens',
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(client.cookie).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectPair((await response.json()) as TokenPairBody);
    await eventMatching(auth.events, (event) => event.type === 'token.issued' && event.actor === user.userId);

    // The same login without the flag is a session login: the cookie above was left out on purpose.
    const session = await newClient(auth).post('/auth/login', { email: user.email, password: GOOD_PASSWORD });
    expect(session.status).toBe(200);
    expect(session.headers.getSetCookie()).toHaveLength(1);
  });

  it('answers Accept: application/vnd.lift.tokens+json with a token pair and no cookie', async () => {
    const { auth, user } = await withUser();
    const response = await newClient(auth).post(
      '/auth/login',
      { email: user.email, password: GOOD_PASSWORD },
      { accept: 'application/vnd.lift.tokens+json' },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as TokenPairBody;
    expectPair(body);
    expect(await meStatus(auth, body.access_token)).toBe(200);
  });

  it('issues an RFC 9068 access token signed by the active key', async () => {
    const { auth, user } = await withUser();
    const now = Math.floor(auth.clock.now() / 1000);
    const { access_token: token } = await tokenLogin(auth, user.email);
    const { header, claims } = decodeJwt(token);

    expect(header).toEqual({
      alg: 'EdDSA',
      kid: auth.app.module('tokens').keys.signingKey().kid,
      typ: 'at+jwt',
    });
    expect(Object.keys(claims).sort()).toEqual(
      ['amr', 'aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'].sort(),
    );
    expect(claims).toMatchObject({
      iss: 'http://lift.test',
      sub: user.userId,
      aud: 'http://lift.test',
      iat: now,
      exp: now + TTL_S,
      auth_time: now,
      amr: ['pwd'],
    });
    expect(claims.jti).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/));
    expect(claims.sid).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{16,}$/));
    expect(claims.sid).not.toBe(user.sessionId);

    const again = decodeJwt((await tokenLogin(auth, user.email)).access_token).claims;
    expect(again.jti).not.toBe(claims.jti);
    expect(again.sid).not.toBe(claims.sid);
  });

  it('authenticates a Bearer request as the user, with authMethod bearer and the family as session', async () => {
    const { auth, user } = await withUser();
    const { access_token: token } = await tokenLogin(auth, user.email);
    const response = await withBearer(auth, ME, token);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({
      type: 'user',
      id: user.userId,
      userId: user.userId,
      authMethod: 'bearer',
      sessionId: decodeJwt(token).claims.sid,
      amr: ['pwd'],
      fresh: true,
    });

    const anonymous = await newClient(auth).request(ME);
    expect(anonymous.status).toBe(401);
    expect(await problemOf(anonymous)).toMatchObject({ code: 'LIFT_UNAUTHENTICATED' });
  });

  it('continues an MFA login in token mode', async () => {
    const { auth, browser, user } = await withUser();
    const enroll = await browser.post('/auth/mfa/totp/enroll');
    expect(enroll.status, await enroll.clone().text()).toBe(200);
    const secret = decodeBase32(((await enroll.json()) as { secret: string }).secret);
    const confirm = await browser.post('/auth/mfa/totp/confirm', {
      code: generateTotp(secret, { clock: auth.clock }),
    });
    expect(confirm.status, await confirm.clone().text()).toBe(200);
    // The next TOTP step, so the code is not the one spent on confirming.
    auth.clock.advance(30_000);

    const client = newClient(auth);
    const first = await client.post('/auth/login', {
      email: user.email,
      password: GOOD_PASSWORD,
      response: 'tokens',
    });
    expect(first.status).toBe(200);
    const { mfa_token: mfaToken } = (await first.json()) as { mfa_token: string };
    const second = await client.post('/auth/mfa/verify', {
      mfa_token: mfaToken,
      code: generateTotp(secret, { clock: auth.clock }),
    });
    expect(second.status, await second.clone().text()).toBe(200);
    expect(second.headers.getSetCookie()).toEqual([]);
    expect(second.headers.get('cache-control')).toBe('no-store');
    const pair = (await second.json()) as TokenPairBody;
    expectPair(pair);
    expect(decodeJwt(pair.access_token).claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    expect(await meStatus(auth, pair.access_token)).toBe(200);
  });
});

describe('discovery', () => {
  it('publishes the active key in the JWKS, public members only, cacheable', async () => {
    const { auth, user } = await withUser();
    const response = await newClient(auth).request('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/\bmax-age=\d+/);
    const { keys } = (await response.json()) as { keys: JsonWebKey[] };
    const kid = auth.app.module('tokens').keys.signingKey().kid;
    expect(keys).toHaveLength(1);
    const jwk = keys[0]!;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid, alg: 'EdDSA', use: 'sig' });

    // The published key is the one that signs: it verifies a token the app issued.
    const token = (await tokenLogin(auth, user.email)).access_token;
    const signingInput = token.slice(0, token.lastIndexOf('.'));
    const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    expect(verify(null, Buffer.from(signingInput), publicKey, signature)).toBe(true);
  });

  it('lists issuer, jwks_uri and the token, revocation and introspection endpoints', async () => {
    const auth = await start();
    const response = await newClient(auth).request('/.well-known/openid-configuration');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/\bmax-age=\d+/);
    expect(await response.json()).toMatchObject({
      issuer: 'http://lift.test',
      jwks_uri: 'http://lift.test/.well-known/jwks.json',
      token_endpoint: 'http://lift.test/auth/token',
      revocation_endpoint: 'http://lift.test/auth/revoke',
      introspection_endpoint: 'http://lift.test/auth/introspect',
      grant_types_supported: ['refresh_token'],
    });
  });
});

describe('refresh', () => {
  it('exchanges a refresh token for a new pair, from a form body and from JSON', async () => {
    const { auth, user } = await withUser();
    const first = await tokenLogin(auth, user.email);
    const sid = decodeJwt(first.access_token).claims.sid;

    auth.clock.advance(1_000);
    const form = await postForm(auth, '/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(form.status, await form.clone().text()).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    expect(form.headers.getSetCookie()).toEqual([]);
    const second = (await form.json()) as TokenPairBody;
    expectPair(second);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    const claims = decodeJwt(second.access_token).claims;
    expect(claims).toMatchObject({ sub: user.userId, sid, amr: ['pwd'] });
    expect(claims.iat).toBe(Math.floor(auth.clock.now() / 1000));

    const json = await refreshJson(auth, second.refresh_token);
    expect(json.status, await json.clone().text()).toBe(200);
    const third = (await json.json()) as TokenPairBody;
    expectPair(third);
    expect(third.refresh_token).not.toBe(second.refresh_token);
    expect(decodeJwt(third.access_token).claims.sid).toBe(sid);
    expect(await meStatus(auth, third.access_token)).toBe(200);
    await eventMatching(auth.events, (event) => event.type === 'token.refreshed');
  });

  it('refuses a grant that is not refresh_token, and an unknown refresh token', async () => {
    const auth = await start();
    const password = await postForm(auth, '/auth/token', { grant_type: 'password', refresh_token: 'x' });
    expect(password.status).toBe(400);
    await password.body?.cancel();
    await expectInvalidGrant(await refreshJson(auth, 'A'.repeat(43)));
  });

  it('detects reuse of a rotated refresh token and revokes the whole family', async () => {
    const { auth, user } = await withUser();
    const first = await tokenLogin(auth, user.email);
    const sid = decodeJwt(first.access_token).claims.sid;
    const second = await refreshed(auth, first.refresh_token);
    const other = await tokenLogin(auth, user.email);

    const reuse = await refreshJson(auth, first.refresh_token);
    expect(reuse.status).toBe(401);
    expect(await problemOf(reuse)).toMatchObject({ code: 'LIFT_TOKEN_REUSED', error: 'invalid_grant' });
    const detected = await eventMatching(auth.events, (event) => event.type === 'token.reuse_detected');
    expect(detected).toMatchObject({ subject: user.userId, data: { familyId: sid } });

    // The successor dies with its family, and so does every access token of it.
    await expectInvalidGrant(await refreshJson(auth, second.refresh_token));
    await expectRejected(auth.events, await withBearer(auth, ME, first.access_token), 'revoked');
    await expectRejected(auth.events, await withBearer(auth, ME, second.access_token), 'revoked');

    // Another login of the same user is another family, untouched.
    expect(await meStatus(auth, other.access_token)).toBe(200);
    expectPair(await refreshed(auth, other.refresh_token));
  });

  it('with reuseGraceSeconds: 30, a retry within 30 s gets the same successor, later it is reuse', async () => {
    const { auth, user } = await withUser({ tokens: { refresh: { reuseGraceSeconds: 30 } } });
    const first = await tokenLogin(auth, user.email);
    const second = await refreshed(auth, first.refresh_token);

    auth.clock.advance(29_000);
    const retry = await refreshed(auth, first.refresh_token);
    expect(retry.refresh_token).toBe(second.refresh_token);
    expect(decodeJwt(retry.access_token).claims.sid).toBe(decodeJwt(second.access_token).claims.sid);
    expect(await meStatus(auth, retry.access_token)).toBe(200);
    await eventMatching(
      auth.events,
      (event) => event.type === 'token.refreshed' && event.data?.replayed === true,
    );

    auth.clock.advance(1_000);
    const late = await refreshJson(auth, first.refresh_token);
    expect(late.status).toBe(401);
    expect(await problemOf(late)).toMatchObject({ code: 'LIFT_TOKEN_REUSED' });
    await expectInvalidGrant(await refreshJson(auth, second.refresh_token));
    await expectRejected(auth.events, await withBearer(auth, ME, retry.access_token), 'revoked');
  });
});

describe('expiry', () => {
  it('accepts an access token until 10 min + 30 s skew after issue, then refuses it as expired', async () => {
    const { auth, user } = await withUser();
    const pair = await tokenLogin(auth, user.email);
    expect(await meStatus(auth, pair.access_token)).toBe(200);

    auth.clock.advance(TTL_S * 1000 + SKEW_MS - 1);
    expect(await meStatus(auth, pair.access_token)).toBe(200);

    auth.clock.advance(1);
    await expectRejected(auth.events, await withBearer(auth, ME, pair.access_token), 'expired');

    // The refresh token outlives it and gets a working one.
    const next = await refreshed(auth, pair.refresh_token);
    expect(await meStatus(auth, next.access_token)).toBe(200);
  });
});

describe('revocation (RFC 7009)', () => {
  it('revoking a refresh token ends its family and the family’s access tokens', async () => {
    const { auth, user } = await withUser();
    const pair = await tokenLogin(auth, user.email);
    const other = await tokenLogin(auth, user.email);
    expect(await meStatus(auth, pair.access_token)).toBe(200);

    const response = await postForm(auth, '/auth/revoke', {
      token: pair.refresh_token,
      token_type_hint: 'refresh_token',
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({});
    const revoked = await eventMatching(auth.events, (event) => event.type === 'token.revoked');
    expect(revoked).toMatchObject({
      actor: user.userId,
      data: { familyId: decodeJwt(pair.access_token).claims.sid },
    });

    await expectRejected(auth.events, await withBearer(auth, ME, pair.access_token), 'revoked');
    await expectInvalidGrant(await refreshJson(auth, pair.refresh_token));
    expect(await meStatus(auth, other.access_token)).toBe(200);
  });

  it('revoking an access token denylists its jti only: a sibling from a later refresh still works', async () => {
    const { auth, user } = await withUser();
    const first = await tokenLogin(auth, user.email);
    const second = await refreshed(auth, first.refresh_token);

    const response = await newClient(auth).post('/auth/revoke', {
      token: first.access_token,
      token_type_hint: 'access_token',
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const event = await eventMatching(auth.events, (candidate) => candidate.type === 'token.revoked');
    expect(event.data).toEqual({ jti: decodeJwt(first.access_token).claims.jti });

    await expectRejected(auth.events, await withBearer(auth, ME, first.access_token), 'revoked');
    expect(await meStatus(auth, second.access_token)).toBe(200);
    expectPair(await refreshed(auth, second.refresh_token));
  });

  it('revoking an access token without a hint works too', async () => {
    const { auth, user } = await withUser();
    const pair = await tokenLogin(auth, user.email);
    const response = await postForm(auth, '/auth/revoke', { token: pair.access_token });
    expect(response.status).toBe(200);
    await expectRejected(auth.events, await withBearer(auth, ME, pair.access_token), 'revoked');
    expectPair(await refreshed(auth, pair.refresh_token));
  });

  it('answers 200 to unknown and garbage tokens and changes nothing', async () => {
    const { auth, user } = await withUser();
    const pair = await tokenLogin(auth, user.email);
    for (const token of ['A'.repeat(43), 'not-a-token', 'eyJhbGciOiJFZERTQSJ9.e30.AAAA']) {
      const response = await postForm(auth, '/auth/revoke', { token });
      expect(response.status, token).toBe(200);
      expect(await response.json()).toEqual({});
    }
    expect(await meStatus(auth, pair.access_token)).toBe(200);
    expectPair(await refreshed(auth, pair.refresh_token));
  });
});

describe('introspection (RFC 7662)', () => {
  async function adminAndUser(): Promise<Member & { admin: Browser }> {
    const member = await withUser();
    const admin = newClient(member.auth);
    const adminUser = await signUpVerified(admin, 'root@example.com');
    await member.auth.app.identity.roles.grant(adminUser.userId, 'admin');
    return { ...member, admin };
  }

  it('is refused to anonymous callers (401) and to users without the admin role (403)', async () => {
    const { auth, browser, user } = await adminAndUser();
    const pair = await tokenLogin(auth, user.email);

    const anonymous = await newClient(auth).post('/auth/introspect', { token: pair.access_token });
    expect(anonymous.status).toBe(401);
    expect(await problemOf(anonymous)).toMatchObject({ code: 'LIFT_UNAUTHENTICATED' });

    const plainUser = await browser.post('/auth/introspect', { token: pair.access_token });
    expect(plainUser.status).toBe(403);
    await plainUser.body?.cancel();

    const bearerUser = await newClient(auth).post(
      '/auth/introspect',
      { token: pair.access_token },
      { authorization: `Bearer ${pair.access_token}` },
    );
    expect(bearerUser.status).toBe(403);
    await bearerUser.body?.cancel();
  });

  it('returns the claims of a valid access token and of a live refresh token', async () => {
    const { auth, admin, user } = await adminAndUser();
    const pair = await tokenLogin(auth, user.email);
    const { claims } = decodeJwt(pair.access_token);

    const response = await admin.post('/auth/introspect', { token: pair.access_token });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ active: true, token_type: 'Bearer', ...claims });

    const refresh = await admin.post('/auth/introspect', { token: pair.refresh_token });
    expect(await refresh.json()).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      sub: user.userId,
      sid: claims.sid,
    });
  });

  it('answers { active: false } for garbage, expired and revoked tokens', async () => {
    const { auth, admin, user } = await adminAndUser();
    const introspect = async (token: string) => {
      const response = await admin.post('/auth/introspect', { token });
      expect(response.status, await response.clone().text()).toBe(200);
      return response.json();
    };
    expect(await introspect('garbage')).toEqual({ active: false });
    expect(await introspect('eyJhbGciOiJub25lIn0.e30.')).toEqual({ active: false });

    const revoked = await tokenLogin(auth, user.email);
    expect((await postForm(auth, '/auth/revoke', { token: revoked.refresh_token })).status).toBe(200);
    expect(await introspect(revoked.access_token)).toEqual({ active: false });
    expect(await introspect(revoked.refresh_token)).toEqual({ active: false });

    const expiring = await tokenLogin(auth, user.email);
    expect(await introspect(expiring.access_token)).toMatchObject({ active: true });
    auth.clock.advance(TTL_S * 1000 + SKEW_MS);
    // The admin's session outlives the token (its idle timeout is longer than 10.5 min).
    expect(await introspect(expiring.access_token)).toEqual({ active: false });
  });
});

describe('credential changes end every token of the user', () => {
  async function twoLogins(member: Member): Promise<TokenPairBody[]> {
    return [
      await tokenLogin(member.auth, member.user.email),
      await tokenLogin(member.auth, member.user.email),
    ];
  }

  async function expectAllDead(auth: AuthApp, pairs: TokenPairBody[]): Promise<void> {
    for (const pair of pairs) {
      await expectRejected(auth.events, await withBearer(auth, ME, pair.access_token), 'revoked');
      await expectInvalidGrant(await refreshJson(auth, pair.refresh_token));
    }
  }

  it('a password change', async () => {
    const member = await withUser();
    const { auth, browser, user } = member;
    const pairs = await twoLogins(member);
    const bystander = newClient(auth);
    await signUpVerified(bystander, 'bea@example.com');
    const theirs = await tokenLogin(auth, 'bea@example.com');

    const change = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(change.status, await change.clone().text()).toBe(200);
    const event = await eventMatching(
      auth.events,
      (candidate) => candidate.type === 'token.revoked' && candidate.subject === user.userId,
    );
    expect(event).toMatchObject({ reason: 'auth.password.changed', data: { families: 2 } });
    await expectAllDead(auth, pairs);
    expect(await meStatus(auth, theirs.access_token)).toBe(200);
  });

  it('holds on this node when the change answers, before any event handler has run', async () => {
    const member = await withUser();
    const { auth, browser } = member;
    const [pair] = await twoLogins(member);
    const handled: string[] = [];
    auth.app.events.onLocal((event) => {
      handled.push(event.type);
    });
    // Straight through app.fetch, never waiting for the event queue: only what the flow did before answering.
    const send = (path: string, init: RequestInit) =>
      auth.app.fetch(new Request(`http://lift.test${path}`, init), { remoteAddress: '198.51.100.7' });
    const change = await send('/auth/password/change', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${browser.cookieName}=${browser.cookie}`,
        'user-agent': 'Mozilla/5.0 Firefox/133.0',
      },
      body: JSON.stringify({ current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD }),
    });
    expect(change.status, await change.clone().text()).toBe(200);
    const me = await send(ME, { headers: { authorization: `Bearer ${pair!.access_token}` } });
    expect(me.status, await me.clone().text()).toBe(401);
    expect(handled).not.toContain('auth.password.changed');
    await auth.app.events.settled();
  });

  it('a token login right after a password change gets a working access token', async () => {
    const { auth, browser, user } = await withUser();
    const change = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(change.status, await change.clone().text()).toBe(200);
    // Half a second later: the revocation covers tokens issued before the change, not this one.
    auth.clock.advance(500);
    const pair = await tokenLogin(auth, user.email, NEW_PASSWORD);
    const me = await withBearer(auth, ME, pair.access_token);
    expect(me.status, await me.clone().text()).toBe(200);
    const refreshedPair = await refreshed(auth, pair.refresh_token);
    expect(await meStatus(auth, refreshedPair.access_token)).toBe(200);
  });

  it('disabling the user (admin API)', async () => {
    const member = await withUser();
    const { auth, user } = member;
    const admin = newClient(auth);
    const adminUser = await signUpVerified(admin, 'root@example.com');
    await auth.app.identity.roles.grant(adminUser.userId, 'admin');
    const pairs = await twoLogins(member);

    const disable = await admin.post(`/admin/api/users/${user.userId}/disable`);
    expect(disable.status, await disable.clone().text()).toBe(200);
    const event = await eventMatching(
      auth.events,
      (candidate) => candidate.type === 'token.revoked' && candidate.subject === user.userId,
    );
    expect(event).toMatchObject({ reason: 'user.disabled', data: { families: 2 } });
    await expectAllDead(auth, pairs);
  });

  it('enrolling an MFA factor', async () => {
    const member = await withUser();
    const { auth, browser, user } = member;
    const pairs = await twoLogins(member);

    const enroll = await browser.post('/auth/mfa/totp/enroll');
    expect(enroll.status, await enroll.clone().text()).toBe(200);
    const secret = decodeBase32(((await enroll.json()) as { secret: string }).secret);
    // Enrolling alone changes nothing yet: the factor counts once confirmed.
    expect(await meStatus(auth, pairs[0]!.access_token)).toBe(200);
    const confirm = await browser.post('/auth/mfa/totp/confirm', {
      code: generateTotp(secret, { clock: auth.clock }),
    });
    expect(confirm.status, await confirm.clone().text()).toBe(200);

    const event = await eventMatching(
      auth.events,
      (candidate) => candidate.type === 'token.revoked' && candidate.subject === user.userId,
    );
    expect(event).toMatchObject({ reason: 'auth.mfa.enrolled', data: { families: 2 } });
    await expectAllDead(auth, pairs);
  });
});

describe('signing key rotation', () => {
  it('signs new tokens with the new key while old tokens still verify; the JWKS lists both', async () => {
    const { auth, user } = await withUser();
    const oldKid = auth.app.module('tokens').keys.signingKey().kid;
    const before = await tokenLogin(auth, user.email);
    expect(decodeJwt(before.access_token).header.kid).toBe(oldKid);

    const { kid: newKid } = await auth.app.module('tokens').keys.rotate();
    expect(newKid).not.toBe(oldKid);
    auth.clock.advance(1_000);

    const after = await tokenLogin(auth, user.email);
    expect(decodeJwt(after.access_token).header.kid).toBe(newKid);
    const rotated = await refreshed(auth, before.refresh_token);
    expect(decodeJwt(rotated.access_token).header.kid).toBe(newKid);

    expect(await meStatus(auth, before.access_token)).toBe(200);
    expect(await meStatus(auth, after.access_token)).toBe(200);
    expect(await meStatus(auth, rotated.access_token)).toBe(200);

    const jwks = await newClient(auth).request('/.well-known/jwks.json');
    const { keys } = (await jwks.json()) as { keys: JsonWebKey[] };
    expect(keys.map((key) => key.kid).sort()).toEqual([oldKid, newKid].sort());
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });
});
