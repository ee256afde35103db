import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import {
  eventsOf,
  expectJson,
  expectProblem,
  patch,
  type RoleBody,
  signedIn,
  startRolesApp,
  systemAdmin,
  tenantOf,
} from './roles-support.ts';

/**
 * A role written through the API holds only permissions that mean something: declared ones, or wildcard and
 * `:own` forms covering one, and in a tenant's role or a template none that only global grants give. A typo
 * (`boks:read`) or a global permission in a tenant role is a field-level 400, not a role that silently gives
 * nothing.
 */

let auth: AuthApp | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

interface FieldError {
  path: string;
  message: string;
  code: string;
}

async function fieldErrors(response: Response): Promise<FieldError[]> {
  const problem = await expectProblem(response, 400, 'LIFT_VALIDATION_FAILED');
  return problem.errors as FieldError[];
}

async function start() {
  auth = await startRolesApp();
  auth.app.permissions.declare({
    'books:read': 'Read books',
    'books:archive': 'Archive books',
    'reports:export': { description: 'Export every tenant’s reports', global: true },
  });
  const owner = await signedIn(auth, 'owner@example.com');
  const tenant = await tenantOf(auth, owner, 'acme');
  return { auth, owner, tenant, base: `/tenants/${tenant.id}/roles` };
}

describe('permissions in roles written over HTTP', () => {
  it('refuses a tenant role naming a typo or a global-only permission, naming the entry', async () => {
    const { auth, owner, base } = await start();
    const typo = await fieldErrors(
      await owner.browser.post(base, { name: 'readers', permissions: ['books:archive', 'boks:read'] }),
    );
    expect(typo).toEqual([expect.objectContaining({ path: 'permissions.1', code: 'undeclared_permission' })]);
    expect(typo[0]!.message).toContain('Did you mean "books:read"?');

    const forms = await fieldErrors(
      await owner.browser.post(base, {
        name: 'forms',
        permissions: ['bokos:*', 'books:raed:own', 'books:*', 'books:read:own'],
      }),
    );
    expect(forms.map((error) => error.path)).toEqual(['permissions.0', 'permissions.1']);
    expect(forms[0]!.message).toContain('Did you mean "books:*"?');
    expect(forms[1]!.message).toContain('Did you mean "books:read:own"?');

    for (const permission of ['users:read', 'users:*', 'reports:export']) {
      const global = await fieldErrors(
        await owner.browser.post(base, { name: 'snoop', permissions: ['tenant:read', permission] }),
      );
      expect(global).toEqual([expect.objectContaining({ path: 'permissions.1', code: 'global_permission' })]);
      expect(global[0]!.message).toContain('global grants alone');
    }
    expect(eventsOf(auth, 'role.created')).toHaveLength(0);

    // PATCH is held to the same rule; the role keeps what it had.
    const made = await expectJson<{ role: RoleBody }>(
      await owner.browser.post(base, { name: 'readers', permissions: ['books:read', 'books:*:own', '*'] }),
      201,
    );
    const patched = await fieldErrors(
      await patch(owner.browser, `${base}/${made.role.id}`, { permissions: ['books:read', 'boks:read'] }),
    );
    expect(patched).toEqual([expect.objectContaining({ path: 'permissions.1' })]);
    const kept = await expectJson<{ role: RoleBody }>(
      await owner.browser.request(`${base}/${made.role.id}`),
      200,
    );
    expect(kept.role.permissions).toEqual(['books:read', 'books:*:own', '*']);
  });

  it('lets system roles hold global permissions but not typos, and holds templates to the tenant rule', async () => {
    const { auth } = await start();
    const admin = await systemAdmin(auth);
    const system = await expectJson<{ role: RoleBody }>(
      await admin.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'auditor',
        permissions: ['users:read', 'reports:export', 'books:*'],
      }),
      201,
    );
    expect(system.role.permissions).toEqual(['users:read', 'reports:export', 'books:*']);

    const typo = await fieldErrors(
      await admin.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'typo',
        permissions: ['user:read'],
      }),
    );
    expect(typo).toEqual([expect.objectContaining({ path: 'permissions.0', code: 'undeclared_permission' })]);
    expect(typo[0]!.message).toContain('Did you mean "users:read"?');

    const template = await fieldErrors(
      await admin.browser.post('/admin/api/roles', {
        scope: 'template',
        name: 'auditor',
        permissions: ['books:read', 'sessions:revoke'],
      }),
    );
    expect(template).toEqual([expect.objectContaining({ path: 'permissions.1', code: 'global_permission' })]);
    expect(template[0]!.message).toContain('global grants alone');

    const patched = await fieldErrors(
      await patch(admin.browser, `/admin/api/roles/${system.role.id}`, { permissions: ['bokos:read'] }),
    );
    expect(patched).toEqual([expect.objectContaining({ path: 'permissions.0' })]);
  });
});
