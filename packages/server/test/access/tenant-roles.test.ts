import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import {
  del,
  eventLike,
  eventsOf,
  expectJson,
  expectProblem,
  member,
  patch,
  type RoleBody,
  signedIn,
  startRolesApp,
  tenantOf,
  type User,
} from './roles-support.ts';

/**
 * `/tenants/:tenantId/roles*` as a tenant's owner, admin and viewer: custom roles, no privilege escalation,
 * the protected `owner` role, and no way into another tenant's roles.
 */

let auth: AuthApp | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

interface Setup {
  auth: AuthApp;
  owner: User;
  admin: User;
  viewer: User;
  tenant: { id: string; roles: Map<string, string> };
}

async function setup(): Promise<Setup> {
  auth = await startRolesApp();
  const owner = await signedIn(auth, 'owner@example.com');
  const tenant = await tenantOf(auth, owner, 'acme');
  const admin = await signedIn(auth, 'admin@example.com');
  await member(auth, admin, tenant, 'admin');
  const viewer = await signedIn(auth, 'viewer@example.com');
  await member(auth, viewer, tenant, 'viewer');
  return { auth, owner, admin, viewer, tenant };
}

describe('a tenant admin managing custom roles', () => {
  it('creates, lists, edits and deletes a role giving only what they hold', async () => {
    const { auth, admin, viewer, tenant } = await setup();
    const base = `/tenants/${tenant.id}/roles`;
    const created = await expectJson<{ role: RoleBody }>(
      await admin.browser.post(base, {
        name: 'inviter',
        description: 'Invites people.',
        permissions: ['members:invite'],
        inherits: ['viewer'],
      }),
      201,
    );
    expect(created.role).toMatchObject({
      scope: 'tenant',
      tenant_id: tenant.id,
      name: 'inviter',
      permissions: ['members:invite'],
      inherits: [tenant.roles.get('viewer')],
    });
    const roleId = created.role.id;
    const list = await expectJson<{ roles: RoleBody[] }>(await admin.browser.request(base), 200);
    expect(list.roles.map((role) => role.name)).toEqual(['admin', 'inviter', 'member', 'owner', 'viewer']);
    expect(list.roles.every((role) => role.tenant_id === tenant.id)).toBe(true);

    // Granted, it works at once.
    const access = auth.app.access;
    const subject = { type: 'user' as const, id: viewer.userId };
    await access.grants.add({ subject, roleId, tenantId: tenant.id });
    await access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [subject] });
    expect(access.control.can(subject, 'members:invite', tenant.id)).toBe(true);

    const edited = await expectJson<{ role: RoleBody }>(
      await patch(admin.browser, `${base}/${roleId}`, { permissions: ['members:invite', 'members:remove'] }),
      200,
    );
    expect(edited.role.permissions).toEqual(['members:invite', 'members:remove']);
    expect(access.control.can(subject, 'members:remove', tenant.id)).toBe(true);

    expect((await del(admin.browser, `${base}/${roleId}`)).status).toBe(204);
    expect(access.control.can(subject, 'members:invite', tenant.id)).toBe(false);
    await expectProblem(await admin.browser.request(`${base}/${roleId}`), 404, 'LIFT_NOT_FOUND');
    for (const type of ['role.created', 'role.updated', 'role.deleted']) {
      const event = await eventLike(auth, (candidate) => candidate.type === type);
      expect(event).toMatchObject({ actor: admin.userId, data: { roleId, tenantId: tenant.id } });
    }
  });

  it('cannot edit or delete a role that gives more than they hold', async () => {
    const { owner, admin, tenant } = await setup();
    const base = `/tenants/${tenant.id}/roles`;
    const above = await expectJson<{ role: RoleBody }>(
      await owner.browser.post(base, { name: 'closer', permissions: ['tenant:delete'] }),
      201,
    );
    for (const response of [
      await patch(admin.browser, `${base}/${above.role.id}`, { permissions: [] }),
      await patch(admin.browser, `${base}/${above.role.id}`, { name: 'harmless' }),
      await del(admin.browser, `${base}/${above.role.id}`),
    ]) {
      const problem = await expectProblem(response, 403, 'LIFT_PERMISSION_DENIED');
      expect(problem.detail).toContain('tenant:delete');
    }
    const kept = await expectJson<{ role: RoleBody }>(
      await admin.browser.request(`${base}/${above.role.id}`),
      200,
    );
    expect(kept.role).toMatchObject({ name: 'closer', permissions: ['tenant:delete'] });
    expect((await del(owner.browser, `${base}/${above.role.id}`)).status).toBe(204);
  });

  it('cannot create or extend a role beyond what they hold', async () => {
    const { auth, admin, tenant } = await setup();
    const base = `/tenants/${tenant.id}/roles`;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'god', permissions: ['*'] }, '*'],
      [{ name: 'closer', permissions: ['tenant:transfer'] }, 'tenant:transfer'],
      [{ name: 'heir', inherits: [tenant.roles.get('owner')] }, 'the permission *:'],
      [{ name: 'heir2', inherits: ['owner'] }, 'the permission *:'],
      [{ name: 'root', inherits: [(await auth.app.access.systemRole('admin'))!.id] }, '*'],
    ];
    for (const [body, permission] of cases) {
      const problem = await expectProblem(
        await admin.browser.post(base, body),
        403,
        'LIFT_PERMISSION_DENIED',
      );
      expect(problem.detail).toContain(permission);
    }
    const denials = eventsOf(auth, 'access.denied').filter((event) => event.data?.action === 'delegate');
    expect(denials).toHaveLength(cases.length);
    expect(denials[0]).toMatchObject({ actor: admin.userId, data: { permission: '*', tenantId: tenant.id } });

    const mine = await expectJson<{ role: RoleBody }>(
      await admin.browser.post(base, { name: 'helper', permissions: ['members:read'] }),
      201,
    );
    await expectProblem(
      await patch(admin.browser, `${base}/${mine.role.id}`, { permissions: ['tenant:delete'] }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await expectProblem(
      await patch(admin.browser, `${base}/${mine.role.id}`, { inherits: ['owner'] }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    // The owner role gives *, which an admin lacks: neither editable nor deletable by them.
    const owner = tenant.roles.get('owner')!;
    await expectProblem(
      await patch(admin.browser, `${base}/${owner}`, { description: 'mine now' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    const role = await auth.app.access.roles.get({ scope: 'tenant', tenantId: tenant.id }, mine.role.id);
    expect(role?.permissions).toEqual(['members:read']);
    expect(role?.inherits).toEqual([]);
  });

  it('keeps the owner role: not deleted, not renamed, even by the owner', async () => {
    const { owner, tenant } = await setup();
    const base = `/tenants/${tenant.id}/roles`;
    const ownerRole = tenant.roles.get('owner')!;
    await expectProblem(await del(owner.browser, `${base}/${ownerRole}`), 409, 'LIFT_ROLE_PROTECTED');
    await expectProblem(
      await patch(owner.browser, `${base}/${ownerRole}`, { name: 'boss' }),
      409,
      'LIFT_ROLE_PROTECTED',
    );
    const described = await expectJson<{ role: RoleBody }>(
      await patch(owner.browser, `${base}/${ownerRole}`, { name: 'owner', description: 'Runs the place.' }),
      200,
    );
    expect(described.role).toMatchObject({ name: 'owner', description: 'Runs the place.' });
    // Other default roles are the tenant's to change.
    expect((await del(owner.browser, `${base}/${tenant.roles.get('viewer')}`)).status).toBe(204);
  });

  it('refuses a cycle between tenant roles and names it', async () => {
    const { owner, tenant } = await setup();
    const base = `/tenants/${tenant.id}/roles`;
    const problem = await expectProblem(
      await patch(owner.browser, `${base}/${tenant.roles.get('viewer')}`, { inherits: ['owner'] }),
      409,
      'LIFT_ROLE_CYCLE',
    );
    expect(problem.detail).toContain('viewer → owner → admin → member → viewer');
  });

  it('answers 403 to a member without roles:read or roles:write', async () => {
    const { viewer, tenant } = await setup();
    const base = `/tenants/${tenant.id}/roles`;
    const read = await expectProblem(await viewer.browser.request(base), 403, 'LIFT_PERMISSION_DENIED');
    expect(read.detail).toContain('roles:read');
    const write = await expectProblem(
      await viewer.browser.post(base, { name: 'x' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(write.detail).toContain('roles:write');
  });
});

describe("another tenant's roles", () => {
  it('are out of reach with either tenant id, and nothing of them leaks', async () => {
    const { auth, admin, tenant } = await setup();
    const otherOwner = await signedIn(auth, 'other@example.com');
    const other = await tenantOf(auth, otherOwner, 'globex');
    const secret = await expectJson<{ role: RoleBody }>(
      await otherOwner.browser.post(`/tenants/${other.id}/roles`, {
        name: 'globex-secret-role',
        description: 'globex private description',
        permissions: ['members:read'],
      }),
      201,
    );
    const ids = [...other.roles.values(), secret.role.id];
    const texts: string[] = [];
    const collect = async (response: Response, status: number) => {
      const text = await response.text();
      expect(response.status, text).toBe(status);
      // `instance` echoes the path the caller sent (with B's ids): that is no data of B.
      texts.push(text.replace(/"instance":"[^"]*"/g, ''));
    };
    // Through B's tenant path: the guard refuses, exactly as for a tenant that does not exist.
    const guarded = `/tenants/${other.id}/roles`;
    const missing = await admin.browser.request('/tenants/no-such-tenant/roles');
    const refusal = await admin.browser.request(guarded);
    expect(refusal.status).toBe(403);
    expect(missing.status).toBe(403);
    const strip = (text: string) => text.replace(/"(request_id|instance)":"[^"]*"/g, '');
    expect(strip(await refusal.text())).toBe(strip(await missing.text()));
    await collect(await admin.browser.post(guarded, { name: 'x' }), 403);
    for (const id of ids) {
      await collect(await admin.browser.request(`${guarded}/${id}`), 403);
      await collect(await patch(admin.browser, `${guarded}/${id}`, { name: 'pwned' }), 403);
      await collect(await del(admin.browser, `${guarded}/${id}`), 403);
      // Through A's path with B's ids: not found.
      const mine = `/tenants/${tenant.id}/roles/${id}`;
      await collect(await admin.browser.request(mine), 404);
      await collect(await patch(admin.browser, mine, { name: 'pwned', description: 'x' }), 404);
      await collect(await del(admin.browser, mine), 404);
    }
    // Nor can A's role inherit B's.
    await collect(
      await admin.browser.post(`/tenants/${tenant.id}/roles`, { name: 'thief', inherits: [secret.role.id] }),
      400,
    );
    // A's roles never include B's; a system role is not A's either.
    const systemAdmin = (await auth.app.access.systemRole('admin'))!;
    await collect(await admin.browser.request(`/tenants/${tenant.id}/roles/${systemAdmin.id}`), 404);
    const list = await admin.browser.request(`/tenants/${tenant.id}/roles`);
    await collect(list, 200);

    const everything = texts.join('\n');
    expect(everything).not.toContain('globex');
    expect(everything).not.toContain(other.id);
    for (const id of ids) expect(everything).not.toContain(id);
    // B's roles are untouched.
    const bRoles = await auth.app.access.roles.list({ scope: 'tenant', tenantId: other.id });
    expect(bRoles.map((role) => role.name).sort()).toEqual([
      'admin',
      'globex-secret-role',
      'member',
      'owner',
      'viewer',
    ]);
  });
});
