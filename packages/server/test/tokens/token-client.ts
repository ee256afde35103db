import { expect } from 'vitest';
import { requireAuth } from '../../src/core/authenticate.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { LiftEvent } from '../../src/core/events.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';

/**
 * Test support for the token suites: an auth app with a bearer-protected `GET /t/me` that echoes the
 * principal, token logins, refreshes and the problem bodies and events a refused token produces.
 */

export const ME = '/t/me';

export interface TokenPairBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** Starts an auth app and registers `GET /t/me` (before any request, as routes must be). */
export async function startTokenApp(config: LiftConfigInput = {}, clock?: ManualClock): Promise<AuthApp> {
  const auth = await startAuthApp(config, clock);
  auth.app.group('/t', requireAuth()).get('/me', (ctx) => ctx.principal);
  return auth;
}

let nextIp = 10;
/** A client with its own address, so per-IP throttles never decide a test. */
export function newClient(auth: AuthApp): Browser {
  nextIp += 1;
  return new Browser(auth.app, { ip: `203.0.113.${nextIp % 250}` });
}

/** `POST /auth/login` asking for tokens with the body flag; fails the test unless a pair comes back. */
export async function tokenLogin(
  auth: AuthApp,
  email: string,
  password = GOOD_PASSWORD,
): Promise<TokenPairBody> {
  const response = await newClient(auth).post('/auth/login', { email, password, response: 'tokens' });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as TokenPairBody;
}

/** A request presenting `Authorization: Bearer <token>` and no cookie. */
export function withBearer(auth: AuthApp, path: string, token: string): Promise<Response> {
  return newClient(auth).request(path, { headers: { authorization: `Bearer ${token}` } });
}

/** `POST /auth/token` with a form-encoded body, as OAuth clients send it. */
export async function postForm(
  auth: AuthApp,
  path: string,
  fields: Record<string, string>,
): Promise<Response> {
  return await auth.app.fetch(
    new Request(`http://lift.test${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
    { remoteAddress: '198.51.100.20' },
  );
}

/** `grant_type=refresh_token` as JSON. */
export function refreshJson(auth: AuthApp, refreshToken: string): Promise<Response> {
  return newClient(auth).post('/auth/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** Refreshes (form body) and expects a new pair. */
export async function refreshed(auth: AuthApp, refreshToken: string): Promise<TokenPairBody> {
  const response = await postForm(auth, '/auth/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as TokenPairBody;
}

export function decodeJwt(token: string): DecodedJwt {
  const [header, claims] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

export async function problemOf(response: Response): Promise<{ code?: string; [member: string]: unknown }> {
  expect(response.headers.get('content-type') ?? '').toContain('json');
  return (await response.json()) as { code?: string };
}

/**
 * Events reach the test's subscriber after the response (some are emitted without being awaited): waits for
 * one matching `predicate`, turning the event loop, for at most two seconds of real time.
 */
export async function eventMatching(
  events: LiftEvent[],
  predicate: (event: LiftEvent) => boolean,
): Promise<LiftEvent> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const found = events.find(predicate);
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      return expect.fail(`no matching event among ${JSON.stringify(events.map((event) => event.type))}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The `token.rejected` event of the request that got `response`. */
export function rejectionOf(events: LiftEvent[], response: Response): Promise<LiftEvent> {
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  return eventMatching(events, (event) => event.type === 'token.rejected' && event.requestId === requestId);
}

/**
 * Expects `response` to be the bearer refusal (401, `LIFT_TOKEN_INVALID`, `WWW-Authenticate`) and its
 * `token.rejected` event to name `reason`.
 */
export async function expectRejected(events: LiftEvent[], response: Response, reason: string): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(await problemOf(response)).toMatchObject({ code: 'LIFT_TOKEN_INVALID' });
  expect((await rejectionOf(events, response)).reason).toBe(reason);
}
