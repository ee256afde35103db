import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import {
  del,
  eventLike,
  expectJson,
  expectProblem,
  type GrantBody,
  signedIn,
  startRolesApp,
  systemAdmin,
  tenantOf,
} from './roles-support.ts';

/**
 * Issue 10, item 8: a user granted a tenant role is a member of that tenant (made one, visibly, by the grants
 * API), and the tenant's owners list and remove every grant in their tenant through
 * `/tenants/:tenantId/grants`, including grants made before this rule held.
 */

let auth: AuthApp | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

interface MemberList {
  members: Array<{ user_id: string; roles: string[] }>;
}

describe('tenant grants and membership', () => {
  it('makes a non-member granted a tenant role a member, visibly', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const owner = await signedIn(auth, 'owner@example.com');
    const outsider = await signedIn(auth, 'outsider@example.com');
    const tenant = await tenantOf(auth, owner, 'acme');

    const created = await expectJson<{ grant: GrantBody; member_added: boolean }>(
      await admin.browser.post('/admin/api/grants', {
        subject: { type: 'user', id: outsider.userId },
        role_id: tenant.roles.get('viewer'),
        tenant_id: tenant.id,
      }),
      201,
    );
    expect(created.member_added).toBe(true);
    await eventLike(
      auth,
      (event) =>
        event.type === 'member.added' &&
        event.subject === outsider.userId &&
        event.actor === admin.userId &&
        event.data?.tenantId === tenant.id,
    );

    // The user reads the tenant and is in its member list, with the role.
    await expectJson(await outsider.browser.request(`/tenants/${tenant.id}`), 200);
    const list = await expectJson<MemberList>(
      await owner.browser.request(`/tenants/${tenant.id}/members`),
      200,
    );
    expect(list.members.find((member) => member.user_id === outsider.userId)?.roles).toEqual(['viewer']);

    // And the owner can remove them like any member.
    await del(owner.browser, `/tenants/${tenant.id}/members/${outsider.userId}`).then((response) =>
      expect(response.status).toBe(204),
    );
    await expectProblem(
      await outsider.browser.request(`/tenants/${tenant.id}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
  });

  it('lets the tenant owner list and remove every grant in the tenant, even one to a non-member', async () => {
    auth = await startRolesApp();
    const owner = await signedIn(auth, 'owner2@example.com');
    const stray = await signedIn(auth, 'stray@example.com');
    const tenant = await tenantOf(auth, owner, 'globex');
    const other = await tenantOf(auth, await signedIn(auth, 'other@example.com'), 'other');
    // A grant made before the membership rule: a tenant role held by a user who is not a member.
    const access = auth.app.access;
    const subject = { type: 'user' as const, id: stray.userId };
    const strayGrant = await access.grants.add({
      subject,
      roleId: tenant.roles.get('viewer')!,
      tenantId: tenant.id,
    });
    const keyGrant = await access.grants.add({
      subject: { type: 'api_key', id: 'key-1' },
      roleId: tenant.roles.get('member')!,
      tenantId: tenant.id,
    });
    await access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [subject] });
    await expectJson(await stray.browser.request(`/tenants/${tenant.id}`), 200);

    const listed = await expectJson<{ grants: GrantBody[] }>(
      await owner.browser.request(`/tenants/${tenant.id}/grants`),
      200,
    );
    expect(listed.grants.map((grant) => grant.id)).toEqual(
      expect.arrayContaining([strayGrant.id, keyGrant.id]),
    );
    expect(listed.grants.every((grant) => grant.tenant_id === tenant.id)).toBe(true);
    // Not another tenant's grants.
    const otherGrants = await access.grants.listByTenant(other.id);
    for (const grant of otherGrants) expect(listed.grants.map((g) => g.id)).not.toContain(grant.id);

    const removed = await del(owner.browser, `/tenants/${tenant.id}/grants/${strayGrant.id}`);
    expect(removed.status, await removed.clone().text()).toBe(204);
    await expectProblem(await stray.browser.request(`/tenants/${tenant.id}`), 403, 'LIFT_PERMISSION_DENIED');
    expect((await del(owner.browser, `/tenants/${tenant.id}/grants/${keyGrant.id}`)).status).toBe(204);
    await eventLike(auth, (event) => event.type === 'grant.deleted' && event.data?.grantId === strayGrant.id);

    // Another tenant's grant id is not found here, and stays.
    const foreign = otherGrants[0]!;
    await expectProblem(
      await del(owner.browser, `/tenants/${tenant.id}/grants/${foreign.id}`),
      404,
      'LIFT_NOT_FOUND',
    );
    expect(await access.grants.get(foreign.id)).not.toBeNull();
  });

  it('holds tenant grant removal to delegation and the last-owner rule', async () => {
    auth = await startRolesApp();
    const owner = await signedIn(auth, 'owner3@example.com');
    const helper = await signedIn(auth, 'helper@example.com');
    const viewer = await signedIn(auth, 'viewer@example.com');
    const tenant = await tenantOf(auth, owner, 'initech');
    const access = auth.app.access;
    for (const [user, role] of [
      [helper, 'admin'],
      [viewer, 'viewer'],
    ] as const) {
      await access.memberships.add(tenant.id, user.userId);
      const subject = { type: 'user' as const, id: user.userId };
      await access.grants.add({ subject, roleId: tenant.roles.get(role)!, tenantId: tenant.id });
      await access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [subject] });
    }
    const grants = await access.grants.listByTenant(tenant.id);
    const ownerGrant = grants.find((grant) => grant.subject.id === owner.userId)!;
    // A viewer may not list; an admin may not take away the owner's role.
    await expectProblem(
      await viewer.browser.request(`/tenants/${tenant.id}/grants`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await expectJson(await helper.browser.request(`/tenants/${tenant.id}/grants`), 200);
    await expectProblem(
      await del(helper.browser, `/tenants/${tenant.id}/grants/${ownerGrant.id}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    // The owner may not take it from themselves while they are the last one.
    await expectProblem(
      await del(owner.browser, `/tenants/${tenant.id}/grants/${ownerGrant.id}`),
      409,
      'LIFT_LAST_OWNER',
    );
    expect(await access.grants.get(ownerGrant.id)).not.toBeNull();
  });
});
