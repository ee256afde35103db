import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import {
  del,
  expectJson,
  expectProblem,
  type GrantBody,
  member,
  signedIn,
  startRolesApp,
  systemAdmin,
  tenantOf,
} from './roles-support.ts';

/** `POST /admin/api/access/check`: the decision and its chain, grant → role → … → permission. */

let auth: AuthApp | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

interface CheckBody {
  allowed: boolean;
  subject: { type: string; id: string };
  permission: string;
  tenant_id: string | null;
  via: string[];
}

const CHECK = '/admin/api/access/check';

describe('access check', () => {
  it('explains an allowed permission through the inheritance chain, for every way of naming the subject', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const owner = await signedIn(auth, 'owner@example.com');
    const tenant = await tenantOf(auth, owner, 'acme');
    const worker = await signedIn(auth, 'worker@example.com');
    await member(auth, worker, tenant, 'member');
    const expected: CheckBody = {
      allowed: true,
      subject: { type: 'user', id: worker.userId },
      permission: 'members:read',
      tenant_id: tenant.id,
      via: [
        `grant: user:${worker.userId} as member in tenant acme`,
        'role: member',
        'role: viewer',
        'permission: members:read',
      ],
    };
    for (const subject of [
      { type: 'user', id: worker.userId },
      `user:${worker.userId}`,
      worker.userId,
      'worker@example.com',
      'WORKER@Example.com',
    ]) {
      for (const tenantRef of [tenant.id, 'acme']) {
        const body = await expectJson<CheckBody>(
          await admin.browser.post(CHECK, { subject, permission: 'members:read', tenant: tenantRef }),
          200,
        );
        expect(body).toEqual(expected);
      }
    }
    const viewerStep = await expectJson<CheckBody>(
      await admin.browser.post(CHECK, { subject: owner.email, permission: 'tenant:read', tenant: 'acme' }),
      200,
    );
    // The shortest chain: owner's own * before the inherited viewer's tenant:read.
    expect(viewerStep.via).toEqual([
      `grant: user:${owner.userId} as owner in tenant acme`,
      'role: owner',
      'permission: *',
    ]);
  });

  it('answers denied with an empty chain, outside the tenant and for what no role gives', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const owner = await signedIn(auth, 'owner@example.com');
    await tenantOf(auth, owner, 'acme');
    const viewer = await signedIn(auth, 'viewer@example.com');
    const other = await tenantOf(auth, viewer, 'globex');
    await member(auth, owner, other, 'viewer');
    for (const [permission, tenant] of [
      ['members:invite', null],
      ['members:invite', 'globex'],
      ['users:read', 'acme'],
      ['notes:read', undefined],
    ] as const) {
      const body = await expectJson<CheckBody>(
        await admin.browser.post(CHECK, { subject: owner.email, permission, tenant }),
        200,
      );
      expect(body, `${permission} in ${tenant}`).toMatchObject({ allowed: false, via: [] });
    }
  });

  it('names a global grant of a system role', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const owner = await signedIn(auth, 'owner@example.com');
    await tenantOf(auth, owner, 'acme');
    for (const tenant of [null, 'acme']) {
      const body = await expectJson<CheckBody>(
        await admin.browser.post(CHECK, { subject: admin.email, permission: 'notes:delete', tenant }),
        200,
      );
      expect(body.via).toEqual([
        `grant: user:${admin.userId} as admin (system) globally`,
        'role: admin (system)',
        'permission: *',
      ]);
    }
  });

  it('follows a grant made through the API at once, and its removal', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const owner = await signedIn(auth, 'owner@example.com');
    const tenant = await tenantOf(auth, owner, 'acme');
    const user = await signedIn(auth, 'user@example.com');
    const ask = async () =>
      expectJson<CheckBody>(
        await admin.browser.post(CHECK, { subject: user.email, permission: 'members:read', tenant: 'acme' }),
        200,
      );
    expect((await ask()).allowed).toBe(false);
    const { grant } = await expectJson<{ grant: GrantBody }>(
      await admin.browser.post('/admin/api/grants', {
        subject: { type: 'user', id: user.userId },
        role_id: tenant.roles.get('member'),
        tenant_id: tenant.id,
      }),
      201,
    );
    expect((await ask()).via).toEqual([
      `grant: user:${user.userId} as member in tenant acme`,
      'role: member',
      'role: viewer',
      'permission: members:read',
    ]);
    expect((await del(admin.browser, `/admin/api/grants/${grant.id}`)).status).toBe(204);
    expect((await ask()).allowed).toBe(false);
  });

  it('keeps API keys apart from users', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const owner = await signedIn(auth, 'owner@example.com');
    const tenant = await tenantOf(auth, owner, 'acme');
    const access = auth.app.access;
    const key = { type: 'api_key' as const, id: owner.userId };
    await access.grants.add({ subject: key, roleId: tenant.roles.get('viewer')!, tenantId: tenant.id });
    await access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [key] });
    const asKey = await expectJson<CheckBody>(
      await admin.browser.post(CHECK, {
        subject: `api_key:${owner.userId}`,
        permission: 'tenant:update',
        tenant: 'acme',
      }),
      200,
    );
    expect(asKey).toMatchObject({ allowed: false, subject: key });
    const read = await expectJson<CheckBody>(
      await admin.browser.post(CHECK, { subject: key, permission: 'tenant:read', tenant: 'acme' }),
      200,
    );
    expect(read.via[0]).toBe(`grant: api_key:${owner.userId} as viewer in tenant acme`);
  });

  it('refuses a malformed permission, an unknown subject and an unknown tenant', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    for (const permission of ['Notes:Read', 'notes', 'notes:*', '*', 'notes:read:own']) {
      const problem = await expectProblem(
        await admin.browser.post(CHECK, { subject: admin.email, permission }),
        400,
        'LIFT_PERMISSION_INVALID',
      );
      expect(problem.detail).toContain(JSON.stringify(permission));
    }
    for (const body of [
      { subject: 'nobody@example.com', permission: 'notes:read' },
      { subject: 'no-such-id', permission: 'notes:read' },
      { subject: { type: 'robot', id: 'x' }, permission: 'notes:read' },
      { subject: admin.email, permission: 'notes:read', tenant: 'no-such-tenant' },
    ]) {
      await expectProblem(await admin.browser.post(CHECK, body), 400, 'LIFT_VALIDATION_FAILED');
    }
  });
});
