import { expect } from 'vitest';
import type { LiftEvent } from '../../src/core/events.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp, tokenFromMail } from '../support/auth-app.ts';

/**
 * Test support for the tenant, member and invitation suites: an auth app, signed-in users each in their own
 * browser (and client address, so per-IP throttles never decide a test), tenants made over the API, and
 * members joined through a real invitation.
 */

export interface AccessEnv {
  auth: AuthApp;
  close(): Promise<void>;
}

export interface SignedInUser {
  browser: Browser;
  userId: string;
  email: string;
}

export type Problem = { code?: string; detail?: string; status?: number; [member: string]: unknown };

export function startAccessApp(): Promise<AuthApp> {
  return startAuthApp();
}

let nextIp = 0;
export function newBrowser(auth: AuthApp): Browser {
  nextIp += 1;
  return new Browser(auth.app, { ip: `192.0.2.${(nextIp % 250) + 1}` });
}

/** Signs `email` up, verifies it and leaves its browser signed in. */
export async function signedIn(auth: AuthApp, email: string): Promise<SignedInUser> {
  const browser = newBrowser(auth);
  const user = await signUpVerified(browser, email);
  return { browser, userId: user.userId, email };
}

/** Logs the user's browser in again (a new, fresh session). */
export async function logInAgain(user: SignedInUser): Promise<void> {
  const response = await user.browser.post('/auth/login', { email: user.email, password: GOOD_PASSWORD });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** The JSON body of a response that must have `status`. */
export async function expectJson<T = Record<string, unknown>>(
  response: Response,
  status: number,
): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type') ?? '').toContain('json');
  return (await response.json()) as T;
}

/** The problem body of a refused request, checked for its status and code. */
export async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  const body = await expectJson<Problem>(response, status);
  expect(body.code).toBe(code);
  return body;
}

/** A problem body without what differs per request (`request_id`, `instance`), to compare two refusals. */
export function comparable(problem: Problem): Problem {
  const { request_id: _requestId, instance: _instance, ...rest } = problem;
  return rest;
}

export function patch(browser: Browser, path: string, json: unknown): Promise<Response> {
  return browser.request(path, { method: 'PATCH', json });
}

export function del(browser: Browser, path: string): Promise<Response> {
  return browser.request(path, { method: 'DELETE' });
}

export interface TenantBody {
  tenant: { id: string; name: string; slug: string; settings: Record<string, unknown>; created_by: string };
  roles: string[];
}

/** `POST /tenants` as `owner`; returns the new tenant's id. */
export async function createTenant(
  owner: SignedInUser,
  slug: string,
  name = `Tenant ${slug}`,
): Promise<string> {
  const body = await expectJson<TenantBody>(await owner.browser.post('/tenants', { name, slug }), 201);
  return body.tenant.id;
}

/**
 * The invitation token in the newest mail to `email`, once the mail queued so far has been sent (invitation
 * mail is a durable job, delivered by the job worker after the answer).
 */
export async function invitationToken(auth: AuthApp, email: string): Promise<string> {
  await auth.app.outbox.idle();
  return tokenFromMail(auth.mail, email, '/invitations/accept');
}

/** `inviter` invites `email` with `role`; expects the 201. */
export async function invite(
  inviter: SignedInUser,
  tenantId: string,
  email: string,
  role?: string,
): Promise<{ id: string; email: string; role: string; expires_at: string }> {
  const response = await inviter.browser.post(`/tenants/${tenantId}/invitations`, {
    email,
    ...(role === undefined ? {} : { role }),
  });
  const body = await expectJson<{
    invitation: { id: string; email: string; role: string; expires_at: string };
  }>(response, 201);
  return body.invitation;
}

/** Signs up `email` and joins the tenant with `role` through an invitation from `inviter`. */
export async function joined(
  auth: AuthApp,
  inviter: SignedInUser,
  tenantId: string,
  email: string,
  role: string,
): Promise<SignedInUser> {
  const user = await signedIn(auth, email);
  await invite(inviter, tenantId, email, role);
  await expectJson(
    await user.browser.post('/invitations/accept', { token: await invitationToken(auth, email) }),
    200,
  );
  return user;
}

/** Events of `type` recorded so far. */
export function eventsOf(auth: AuthApp, type: string): LiftEvent[] {
  return auth.events.filter((event) => event.type === type);
}
