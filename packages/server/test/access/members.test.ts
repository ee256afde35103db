import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import { eventMatching } from '../tokens/token-client.ts';
import {
  createTenant,
  del,
  expectJson,
  expectProblem,
  joined,
  logInAgain,
  patch,
  type SignedInUser,
  signedIn,
  startAccessApp,
  type TenantBody,
} from './access-app.ts';

/**
 * `/tenants/:tenantId/members*`, `/leave` and `/transfer`: who may list, change and remove members, the rule
 * that nobody touches someone more powerful, and the tenant always keeping an owner.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

interface Team {
  auth: AuthApp;
  tenantId: string;
  owner: SignedInUser;
  admin: SignedInUser;
  member: SignedInUser;
  viewer: SignedInUser;
}

/** A tenant with an owner, an admin, a member and a viewer, each joined by invitation. */
async function team(): Promise<Team> {
  const auth = await startAccessApp();
  env = auth;
  const owner = await signedIn(auth, 'owner@example.com');
  const tenantId = await createTenant(owner, 'acme');
  // A second apart, so members are listed in joining order (the manual clock stands still otherwise).
  auth.clock.advance(1_000);
  const admin = await joined(auth, owner, tenantId, 'admin@example.com', 'admin');
  auth.clock.advance(1_000);
  const member = await joined(auth, owner, tenantId, 'member@example.com', 'member');
  auth.clock.advance(1_000);
  const viewer = await joined(auth, owner, tenantId, 'viewer@example.com', 'viewer');
  return { auth, tenantId, owner, admin, member, viewer };
}

interface MemberList {
  members: Array<{ user_id: string; email: string; name: string | null; joined_at: string; roles: string[] }>;
  next_cursor: string | null;
}

async function rolesOf(team: Team, userId: string): Promise<string[] | undefined> {
  const list = await expectJson<MemberList>(
    await team.owner.browser.request(`/tenants/${team.tenantId}/members?limit=200`),
    200,
  );
  return list.members.find((entry) => entry.user_id === userId)?.roles;
}

const SIX_MINUTES = 6 * 60 * 1000;

describe('GET /tenants/:tenantId/members', () => {
  it('lists members oldest first with their roles, page by page, to any member holding members:read', async () => {
    const t = await team();
    const all = await expectJson<MemberList>(
      await t.viewer.browser.request(`/tenants/${t.tenantId}/members`),
      200,
    );
    expect(all.members.map((entry) => [entry.email, entry.roles])).toEqual([
      ['owner@example.com', ['owner']],
      ['admin@example.com', ['admin']],
      ['member@example.com', ['member']],
      ['viewer@example.com', ['viewer']],
    ]);
    expect(all.members[0]).toMatchObject({ user_id: t.owner.userId, name: null });
    expect(Number.isNaN(Date.parse(all.members[0]?.joined_at ?? ''))).toBe(false);
    expect(all.next_cursor).toBeNull();

    const first = await expectJson<MemberList>(
      await t.member.browser.request(`/tenants/${t.tenantId}/members?limit=3`),
      200,
    );
    expect(first.members).toHaveLength(3);
    expect(first.next_cursor).not.toBeNull();
    const second = await expectJson<MemberList>(
      await t.member.browser.request(
        `/tenants/${t.tenantId}/members?limit=3&cursor=${encodeURIComponent(first.next_cursor ?? '')}`,
      ),
      200,
    );
    expect(second.members.map((entry) => entry.email)).toEqual(['viewer@example.com']);
    expect(second.next_cursor).toBeNull();

    await expectProblem(
      await t.member.browser.request(`/tenants/${t.tenantId}/members?limit=0`),
      400,
      'LIFT_VALIDATION_FAILED',
    );
  });

  it('refuses a non-member with 403 and no member data', async () => {
    const t = await team();
    const outsider = await signedIn(t.auth, 'outsider@example.com');
    const response = await outsider.browser.request(`/tenants/${t.tenantId}/members`);
    const text = await response.clone().text();
    const problem = await expectProblem(response, 403, 'LIFT_PERMISSION_DENIED');
    expect(problem.detail).toContain('members:read');
    expect(text).not.toContain('@example.com');
  });
});

describe('PATCH /tenants/:tenantId/members/:userId', () => {
  it('lets the owner change a member’s role, which takes effect at once', async () => {
    const t = await team();
    const path = `/tenants/${t.tenantId}/members/${t.member.userId}`;
    // As a member, no invitations.
    await expectProblem(
      await t.member.browser.post(`/tenants/${t.tenantId}/invitations`, { email: 'x@example.com' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    const changed = await expectJson<{ member: { user_id: string; roles: string[] } }>(
      await patch(t.owner.browser, path, { role: 'admin' }),
      200,
    );
    expect(changed.member).toEqual({ user_id: t.member.userId, roles: ['admin'] });
    expect(await rolesOf(t, t.member.userId)).toEqual(['admin']);
    const event = await eventMatching(t.auth.events, (e) => e.type === 'member.role_changed');
    expect(event).toMatchObject({
      actor: t.owner.userId,
      subject: t.member.userId,
      data: { tenantId: t.tenantId, role: 'admin' },
    });
    // The promotion holds on the member's next request.
    const shown = await expectJson<TenantBody>(await t.member.browser.request(`/tenants/${t.tenantId}`), 200);
    expect(shown.roles).toEqual(['admin', 'member', 'viewer']);
  });

  it('lets an admin change a member but neither promote anyone to owner nor demote the owner', async () => {
    const t = await team();
    await expectJson(
      await patch(t.admin.browser, `/tenants/${t.tenantId}/members/${t.viewer.userId}`, { role: 'member' }),
      200,
    );
    const promote = await expectProblem(
      await patch(t.admin.browser, `/tenants/${t.tenantId}/members/${t.member.userId}`, { role: 'owner' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(promote.detail).toContain('the permission *.');
    await expectProblem(
      await patch(t.admin.browser, `/tenants/${t.tenantId}/members/${t.owner.userId}`, { role: 'viewer' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await eventMatching(
      t.auth.events,
      (e) => e.type === 'access.denied' && e.actor === t.admin.userId && e.reason === 'missing_permission',
    );
    expect(await rolesOf(t, t.owner.userId)).toEqual(['owner']);
    expect(await rolesOf(t, t.member.userId)).toEqual(['member']);
  });

  it('refuses viewers, unknown roles, non-member targets and demoting the last owner', async () => {
    const t = await team();
    await expectProblem(
      await patch(t.viewer.browser, `/tenants/${t.tenantId}/members/${t.member.userId}`, { role: 'viewer' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await expectProblem(
      await patch(t.owner.browser, `/tenants/${t.tenantId}/members/${t.member.userId}`, { role: 'emperor' }),
      400,
      'LIFT_VALIDATION_FAILED',
    );
    const outsider = await signedIn(t.auth, 'outsider@example.com');
    await expectProblem(
      await patch(t.owner.browser, `/tenants/${t.tenantId}/members/${outsider.userId}`, { role: 'member' }),
      404,
      'LIFT_NOT_FOUND',
    );
    await expectProblem(
      await patch(t.owner.browser, `/tenants/${t.tenantId}/members/${t.owner.userId}`, { role: 'admin' }),
      409,
      'LIFT_LAST_OWNER',
    );
    expect(await rolesOf(t, t.owner.userId)).toEqual(['owner']);
    // With a second owner, the first may step down.
    await expectJson(
      await patch(t.owner.browser, `/tenants/${t.tenantId}/members/${t.admin.userId}`, { role: 'owner' }),
      200,
    );
    await expectJson(
      await patch(t.owner.browser, `/tenants/${t.tenantId}/members/${t.owner.userId}`, { role: 'admin' }),
      200,
    );
    expect(await rolesOf(t, t.owner.userId)).toEqual(['admin']);
  });
});

describe('DELETE /tenants/:tenantId/members/:userId', () => {
  it('lets an admin remove a member, who loses access at once', async () => {
    const t = await team();
    const removed = await del(t.admin.browser, `/tenants/${t.tenantId}/members/${t.member.userId}`);
    expect(removed.status, await removed.clone().text()).toBe(204);
    const event = await eventMatching(t.auth.events, (e) => e.type === 'member.removed');
    expect(event).toMatchObject({
      actor: t.admin.userId,
      subject: t.member.userId,
      data: { tenantId: t.tenantId },
    });
    await expectProblem(
      await t.member.browser.request(`/tenants/${t.tenantId}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(await expectJson(await t.member.browser.request('/tenants'), 200)).toEqual({ tenants: [] });
    expect(await rolesOf(t, t.member.userId)).toBeUndefined();
    await expectProblem(
      await del(t.admin.browser, `/tenants/${t.tenantId}/members/${t.member.userId}`),
      404,
      'LIFT_NOT_FOUND',
    );
  });

  it('refuses an admin removing the owner, a viewer removing anyone, and removing the last owner', async () => {
    const t = await team();
    await expectProblem(
      await del(t.admin.browser, `/tenants/${t.tenantId}/members/${t.owner.userId}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await expectProblem(
      await del(t.viewer.browser, `/tenants/${t.tenantId}/members/${t.member.userId}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await expectProblem(
      await del(t.owner.browser, `/tenants/${t.tenantId}/members/${t.owner.userId}`),
      409,
      'LIFT_LAST_OWNER',
    );
    expect(await rolesOf(t, t.owner.userId)).toEqual(['owner']);
    expect(await rolesOf(t, t.member.userId)).toEqual(['member']);
  });
});

describe('POST /tenants/:tenantId/leave', () => {
  it('lets a member leave, but never the last owner', async () => {
    const t = await team();
    const left = await t.member.browser.post(`/tenants/${t.tenantId}/leave`);
    expect(left.status, await left.clone().text()).toBe(204);
    const event = await eventMatching(t.auth.events, (e) => e.type === 'member.left');
    expect(event).toMatchObject({ actor: t.member.userId, data: { tenantId: t.tenantId } });
    await expectProblem(
      await t.member.browser.request(`/tenants/${t.tenantId}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await expectProblem(
      await t.member.browser.post(`/tenants/${t.tenantId}/leave`),
      403,
      'LIFT_NOT_TENANT_MEMBER',
    );

    await expectProblem(await t.owner.browser.post(`/tenants/${t.tenantId}/leave`), 409, 'LIFT_LAST_OWNER');
    await eventMatching(t.auth.events, (e) => e.type === 'access.denied' && e.reason === 'last_owner');
    expect(await rolesOf(t, t.owner.userId)).toEqual(['owner']);
  });
});

describe('POST /tenants/:tenantId/transfer', () => {
  it('needs tenant:transfer and a fresh session; the target becomes owner and the caller admin', async () => {
    const t = await team();
    const path = `/tenants/${t.tenantId}/transfer`;
    await expectProblem(
      await t.admin.browser.post(path, { user_id: t.member.userId }),
      403,
      'LIFT_PERMISSION_DENIED',
    );

    t.auth.clock.advance(SIX_MINUTES);
    await expectProblem(
      await t.owner.browser.post(path, { user_id: t.member.userId }),
      403,
      'LIFT_REAUTH_REQUIRED',
    );
    expect(await rolesOf(t, t.owner.userId)).toEqual(['owner']);
    await logInAgain(t.owner);

    const outsider = await signedIn(t.auth, 'outsider@example.com');
    await expectProblem(
      await t.owner.browser.post(path, { user_id: outsider.userId }),
      404,
      'LIFT_NOT_FOUND',
    );
    await expectProblem(
      await t.owner.browser.post(path, { user_id: t.owner.userId }),
      400,
      'LIFT_VALIDATION_FAILED',
    );

    expect(await expectJson(await t.owner.browser.post(path, { user_id: t.member.userId }), 200)).toEqual({
      owner: t.member.userId,
    });
    expect(await rolesOf(t, t.member.userId)).toEqual(['owner']);
    expect(await rolesOf(t, t.owner.userId)).toEqual(['admin']);
    const event = await eventMatching(t.auth.events, (e) => e.type === 'tenant.ownership_transferred');
    expect(event).toMatchObject({
      actor: t.owner.userId,
      subject: t.member.userId,
      data: { tenantId: t.tenantId, from: t.owner.userId },
    });

    // The old owner lost what only owners have; the new owner is now the one who cannot leave.
    await expectProblem(await del(t.owner.browser, `/tenants/${t.tenantId}`), 403, 'LIFT_PERMISSION_DENIED');
    await expectProblem(await t.member.browser.post(`/tenants/${t.tenantId}/leave`), 409, 'LIFT_LAST_OWNER');
    const left = await t.owner.browser.post(`/tenants/${t.tenantId}/leave`);
    expect(left.status).toBe(204);
  });
});
