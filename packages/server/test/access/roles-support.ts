import { expect } from 'vitest';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { LiftEvent } from '../../src/core/events.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, startAuthApp } from '../support/auth-app.ts';

/**
 * Test support for the roles, grants and access-check suites: signed-in users in their own browsers, a
 * system admin, tenants made with `app.access.createTenant` (not over HTTP), and members given a tenant role
 * straight through the stores.
 */

export interface User {
  browser: Browser;
  userId: string;
  email: string;
}

export interface RoleBody {
  id: string;
  scope: 'system' | 'template' | 'tenant';
  tenant_id: string | null;
  name: string;
  description: string | null;
  permissions: string[];
  inherits: string[];
}

export interface GrantBody {
  id: string;
  subject: { type: string; id: string };
  role_id: string;
  tenant_id: string | null;
  created_by: string | null;
}

export type Problem = { code?: string; detail?: string; [member: string]: unknown };

let nextIp = 0;
function newBrowser(auth: AuthApp): Browser {
  nextIp += 1;
  return new Browser(auth.app, { ip: `198.18.${Math.floor(nextIp / 250)}.${(nextIp % 250) + 1}` });
}

export function startRolesApp(config: LiftConfigInput = {}): Promise<AuthApp> {
  return startAuthApp(config);
}

export async function signedIn(auth: AuthApp, email: string): Promise<User> {
  const browser = newBrowser(auth);
  const user = await signUpVerified(browser, email);
  return { browser, userId: user.userId, email };
}

export async function systemAdmin(auth: AuthApp, email = 'root@example.com'): Promise<User> {
  const user = await signedIn(auth, email);
  await auth.app.identity.roles.grant(user.userId, 'admin');
  return user;
}

/** A tenant owned by `owner`; returns its id and its roles by name. */
export async function tenantOf(
  auth: AuthApp,
  owner: User,
  slug: string,
): Promise<{ id: string; roles: Map<string, string> }> {
  const { tenant, roles } = await auth.app.access.createTenant({
    name: `Tenant ${slug}`,
    slug,
    createdBy: owner.userId,
  });
  return { id: tenant.id, roles: new Map(roles.map((role) => [role.name, role.id])) };
}

/** Makes `user` a member of the tenant holding the tenant's role `roleName`. */
export async function member(
  auth: AuthApp,
  user: User,
  tenant: { id: string; roles: Map<string, string> },
  roleName: string,
): Promise<void> {
  const access = auth.app.access;
  const roleId = tenant.roles.get(roleName);
  if (roleId === undefined) throw new Error(`no role ${roleName}`);
  await access.memberships.add(tenant.id, user.userId);
  const subject = { type: 'user' as const, id: user.userId };
  await access.grants.add({ subject, roleId, tenantId: tenant.id });
  await access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [subject] });
}

export async function expectJson<T = Record<string, unknown>>(
  response: Response,
  status: number,
): Promise<T> {
  const text = await response.clone().text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type') ?? '').toContain('json');
  return (await response.json()) as T;
}

export async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  const body = await expectJson<Problem>(response, status);
  expect(body.code, JSON.stringify(body)).toBe(code);
  return body;
}

export function patch(browser: Browser, path: string, json: unknown): Promise<Response> {
  return browser.request(path, { method: 'PATCH', json });
}

export function del(browser: Browser, path: string): Promise<Response> {
  return browser.request(path, { method: 'DELETE' });
}

export function eventsOf(auth: AuthApp, type: string): LiftEvent[] {
  return auth.events.filter((event) => event.type === type);
}

/** Waits (up to 2 s of real time) for an event matching `predicate`: some are emitted after the response. */
export async function eventLike(auth: AuthApp, predicate: (event: LiftEvent) => boolean): Promise<LiftEvent> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const found = auth.events.find(predicate);
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      return expect.fail(`no matching event among ${JSON.stringify(auth.events.map((event) => event.type))}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
