import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import type { RoleOwner } from './role-store.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlInvitationStore } from './sql-invitation-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';

const START = Date.UTC(2026, 0, 1);
const SYSTEM: RoleOwner = { scope: 'system' };
const TEMPLATE: RoleOwner = { scope: 'template' };
const A: RoleOwner = { scope: 'tenant', tenantId: 'tenant-a' };
const B: RoleOwner = { scope: 'tenant', tenantId: 'tenant-b' };

function stores({ database, close }: OpenSql) {
  const clock = new ManualClock(START);
  return {
    database,
    clock,
    close,
    roles: new SqlRoleStore(database, { clock }),
    grants: new SqlGrantStore(database, { clock }),
    invitations: new SqlInvitationStore(database, { clock }),
  };
}

for (const target of await migratedSqlTargets('roles', { withoutDefaultRoles: true })) {
  describe(`SqlRoleStore on ${target.name}`, () => {
    it('creates roles in every scope and returns permissions and inherits as arrays', async () => {
      const { roles, close } = await stores(await target.open());
      const viewer = await roles.create({ owner: SYSTEM, name: 'viewer', permissions: ['notes:read'] });
      const editor = await roles.create({
        owner: A,
        name: ' editor ',
        description: 'Writes notes',
        permissions: ['notes:write', 'notes:write', 'notes:delete'],
        inherits: [viewer.id, viewer.id],
      });
      expect(editor).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        scope: 'tenant',
        tenantId: 'tenant-a',
        name: 'editor',
        description: 'Writes notes',
        permissions: ['notes:write', 'notes:delete'],
        inherits: [viewer.id],
        createdAt: new Date(START),
        updatedAt: new Date(START),
      });
      const template = await roles.create({ owner: TEMPLATE, name: 'viewer', inherits: [viewer.id] });
      expect(template).toMatchObject({
        scope: 'template',
        tenantId: null,
        permissions: [],
        description: null,
      });
      expect(await roles.get(A, editor.id)).toEqual(editor);
      expect(await roles.list(SYSTEM)).toEqual([viewer]);
      expect(await roles.list(TEMPLATE)).toEqual([template]);
      expect(await roles.list(A)).toEqual([editor]);
      await close();
    });

    it('keeps names unique per owner: per tenant, among system roles, among templates', async () => {
      const { roles, database, close } = await stores(await target.open());
      await roles.create({ owner: SYSTEM, name: 'admin' });
      await roles.create({ owner: TEMPLATE, name: 'admin' });
      const inA = await roles.create({ owner: A, name: 'admin' });
      await roles.create({ owner: B, name: 'admin' });
      for (const owner of [SYSTEM, TEMPLATE, A, B]) {
        await expect(roles.create({ owner, name: 'admin' })).rejects.toMatchObject({
          code: 'LIFT_ROLE_NAME_TAKEN',
          status: 409,
        });
      }
      const other = await roles.create({ owner: A, name: 'other' });
      await expect(roles.update(A, other.id, { name: 'admin' })).rejects.toMatchObject({
        code: 'LIFT_ROLE_NAME_TAKEN',
      });
      expect(await roles.update(A, inA.id, { name: 'admin', description: 'x' })).toMatchObject({
        name: 'admin',
      });
      expect(await roles.update(A, other.id, { name: 'owner' })).toMatchObject({ name: 'owner' });
      // The database itself ties tenant_id to the scope.
      await expect(
        database.db
          .insertInto('lift_roles')
          .values({
            id: 'bad',
            tenant_id: 'tenant-a',
            scope: 'system',
            name: 'bad',
            description: null,
            permissions: '[]',
            inherits: '[]',
            created_at: 0,
            updated_at: 0,
          })
          .execute(),
      ).rejects.toThrow(/lift_roles_tenant_check/);
      await close();
    });

    it("never reads, changes or deletes another tenant's role", async () => {
      const { roles, close } = await stores(await target.open());
      const inB = await roles.create({ owner: B, name: 'editor', permissions: ['notes:write'] });
      const system = await roles.create({ owner: SYSTEM, name: 'admin' });
      expect(await roles.get(A, inB.id)).toBeNull();
      expect(await roles.get(SYSTEM, inB.id)).toBeNull();
      expect(await roles.get(A, system.id)).toBeNull();
      expect(await roles.update(A, inB.id, { permissions: ['*'] })).toBeNull();
      expect(await roles.update(A, inB.id, { name: 'taken-over' })).toBeNull();
      expect(await roles.delete(A, inB.id)).toBe(false);
      expect(await roles.get(B, inB.id)).toEqual(inB);
      expect(await roles.list(A)).toEqual([]);
      expect((await roles.findVisible('tenant-a', [inB.id, system.id])).map((role) => role.id)).toEqual([
        system.id,
      ]);
      expect((await roles.findVisible('tenant-b', [inB.id, system.id])).map((role) => role.name)).toEqual([
        'admin',
        'editor',
      ]);
      expect((await roles.findVisible(null, [inB.id, system.id])).map((role) => role.id)).toEqual([
        system.id,
      ]);
      expect(await roles.findVisible('tenant-a', [])).toEqual([]);
      await close();
    });

    it('refuses to inherit an invisible or unknown role, itself, or through a cycle', async () => {
      const { roles, close } = await stores(await target.open());
      const inB = await roles.create({ owner: B, name: 'editor' });
      const template = await roles.create({ owner: TEMPLATE, name: 'viewer' });
      const system = await roles.create({ owner: SYSTEM, name: 'viewer' });
      const inheritsIssue = { issues: [expect.objectContaining({ path: 'inherits' })] };
      await expect(roles.create({ owner: A, name: 'x', inherits: [inB.id] })).rejects.toMatchObject(
        inheritsIssue,
      );
      await expect(roles.create({ owner: A, name: 'x', inherits: [template.id] })).rejects.toMatchObject(
        inheritsIssue,
      );
      await expect(roles.create({ owner: SYSTEM, name: 'x', inherits: [template.id] })).rejects.toMatchObject(
        inheritsIssue,
      );
      await expect(roles.create({ owner: A, name: 'x', inherits: ['missing'] })).rejects.toMatchObject(
        inheritsIssue,
      );

      const one = await roles.create({ owner: A, name: 'one', inherits: [system.id] });
      const two = await roles.create({ owner: A, name: 'two', inherits: [one.id] });
      const three = await roles.create({ owner: A, name: 'three', inherits: [two.id] });
      await expect(roles.update(A, one.id, { inherits: [one.id] })).rejects.toMatchObject(inheritsIssue);
      await expect(roles.update(A, one.id, { inherits: [three.id] })).rejects.toMatchObject(inheritsIssue);
      expect((await roles.get(A, one.id))?.inherits).toEqual([system.id]);
      expect(await roles.update(A, three.id, { inherits: [one.id, two.id] })).toMatchObject({
        inherits: [one.id, two.id],
      });
      await expect(
        roles.create({ owner: A, name: 'bad', permissions: ['notes write'] }),
      ).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: 'permissions' })],
      });
      await close();
    });

    it('updates permissions and description, moving updatedAt', async () => {
      const { roles, clock, close } = await stores(await target.open());
      const role = await roles.create({ owner: A, name: 'editor', permissions: ['notes:read'] });
      clock.advance(1_000);
      const updated = await roles.update(A, role.id, { permissions: ['notes:write'], description: 'Edits' });
      expect(updated).toEqual({
        ...role,
        permissions: ['notes:write'],
        description: 'Edits',
        updatedAt: new Date(START + 1_000),
      });
      expect(await roles.get(A, role.id)).toEqual(updated);
      await close();
    });

    it('deletes a role with its grants and pending invitations, and drops it from other roles’ inherits', async () => {
      const { roles, grants, invitations, close } = await stores(await target.open());
      const viewer = await roles.create({ owner: SYSTEM, name: 'viewer' });
      const keep = await roles.create({ owner: SYSTEM, name: 'keep' });
      const editor = await roles.create({ owner: A, name: 'editor', inherits: [keep.id, viewer.id] });
      const inB = await roles.create({ owner: B, name: 'editor', inherits: [viewer.id] });
      const ada = { type: 'user' as const, id: 'ada' };
      await grants.add({ subject: ada, roleId: viewer.id, tenantId: 'tenant-a' });
      await grants.add({ subject: ada, roleId: viewer.id, tenantId: null });
      await grants.add({ subject: ada, roleId: keep.id, tenantId: 'tenant-a' });
      await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        roleId: viewer.id,
        invitedBy: 'ada',
      });

      expect(await roles.delete(SYSTEM, viewer.id)).toBe(true);
      expect(await roles.delete(SYSTEM, viewer.id)).toBe(false);
      expect((await roles.get(A, editor.id))?.inherits).toEqual([keep.id]);
      expect((await roles.get(B, inB.id))?.inherits).toEqual([]);
      expect((await grants.listBySubject(ada, 'tenant-a')).map((grant) => grant.roleId)).toEqual([keep.id]);
      expect(await invitations.listPending('tenant-a')).toEqual([]);
      await close();
    });
  });
}
