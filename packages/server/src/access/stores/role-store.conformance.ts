import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { AccessStoresTarget, OpenAccessStores } from './access-stores-target.ts';
import {
  ANNOUNCE_FAILURE,
  failingAnnounce,
  recordingAnnounce,
  writtenEvents,
} from './announcing.conformance.ts';
import { RoleNameTakenError } from './role-name-taken-error.ts';
import type { Role, RoleOwner } from './role-store.ts';

const START = Date.UTC(2026, 0, 1);
const SYSTEM: RoleOwner = { scope: 'system' };
const TEMPLATE: RoleOwner = { scope: 'template' };
const A: RoleOwner = { scope: 'tenant', tenantId: 'tenant-a' };
const B: RoleOwner = { scope: 'tenant', tenantId: 'tenant-b' };

/**
 * The behaviour every RoleStore adapter must show, with the other access stores of its set: names unique per
 * owner, tenant isolation, inheritance only of visible roles and never in a cycle, and deletion that cleans up
 * grants, invitations and other roles' inherits. Each test gets fresh, empty stores (no seeded roles) on a
 * manual clock standing at 2026-01-01T00:00Z.
 */
export function roleStoreConformance(adapter: string, open: OpenAccessStores): void {
  describe(`RoleStore conformance: ${adapter}`, () => {
    let target: AccessStoresTarget | undefined;
    let stores: AccessStoresTarget;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(START);
      target = await open(clock);
      stores = target;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('creates roles in every scope and returns permissions and inherits as arrays', async () => {
      const { roles } = stores;
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
    });

    it('keeps names unique per owner: per tenant, among system roles, among templates', async () => {
      const { roles } = stores;
      await roles.create({ owner: SYSTEM, name: 'admin' });
      await roles.create({ owner: TEMPLATE, name: 'admin' });
      const inA = await roles.create({ owner: A, name: 'admin' });
      await roles.create({ owner: B, name: 'admin' });
      for (const owner of [SYSTEM, TEMPLATE, A, B]) {
        const taken = roles.create({ owner, name: 'admin' });
        await expect(taken).rejects.toBeInstanceOf(RoleNameTakenError);
        await expect(taken).rejects.toMatchObject({ code: 'LIFT_ROLE_NAME_TAKEN', status: 409 });
      }
      const other = await roles.create({ owner: A, name: 'other' });
      await expect(roles.update(A, other.id, { name: 'admin' })).rejects.toMatchObject({
        code: 'LIFT_ROLE_NAME_TAKEN',
      });
      expect(await roles.update(A, inA.id, { name: 'admin', description: 'x' })).toMatchObject({
        name: 'admin',
      });
      expect(await roles.update(A, other.id, { name: 'owner' })).toMatchObject({ name: 'owner' });
    });

    it("never reads, changes or deletes another tenant's role", async () => {
      const { roles } = stores;
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
    });

    it('refuses to inherit an invisible or unknown role, itself, or through a cycle', async () => {
      const { roles } = stores;
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
    });

    it('updates permissions and description, moving updatedAt', async () => {
      const { roles } = stores;
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
    });

    it('deletes a role with its grants and pending invitations, and drops it from other roles’ inherits', async () => {
      const { roles, grants, invitations } = stores;
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
    });

    it('finds a role of any owner by id, and nothing for an unknown or deleted id', async () => {
      const { roles } = stores;
      const system = await roles.create({ owner: SYSTEM, name: 'auditor', permissions: ['*'] });
      const template = await roles.create({ owner: TEMPLATE, name: 'viewer' });
      const tenant = await roles.create({
        owner: A,
        name: 'editor',
        permissions: ['notes:write'],
        inherits: [system.id],
      });
      expect(await roles.findById(system.id)).toEqual(system);
      expect(await roles.findById(template.id)).toEqual(template);
      expect(await roles.findById(tenant.id)).toEqual(tenant);
      expect(await roles.findById('missing')).toBeNull();
      await roles.delete(A, tenant.id);
      expect(await roles.findById(tenant.id)).toBeNull();
    });

    it("lists an owner's roles by name", async () => {
      const { roles } = stores;
      for (const name of ['viewer', 'admin', 'editor']) await roles.create({ owner: A, name });
      expect((await roles.list(A)).map((role) => role.name)).toEqual(['admin', 'editor', 'viewer']);
      expect(await roles.list(B)).toEqual([]);
    });

    it('lets exactly one of many concurrent creates of one name for one owner win', async () => {
      const { roles } = stores;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          roles.create({ owner: A, name: 'editor', description: `${index}` }),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(RoleNameTakenError);
      }
      expect(await roles.list(A)).toHaveLength(1);
    });

    it('writes the events a create, update or delete announces with it, and changes nothing when that fails', async () => {
      const { roles, grants } = stores;
      const failing = { announce: failingAnnounce };
      await expect(roles.create({ owner: A, name: 'lost' }, failing)).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await roles.list(A)).toEqual([]);
      const editor = await roles.create({ owner: A, name: 'editor', permissions: ['notes:read'] });
      const ada = { type: 'user' as const, id: 'ada' };
      const grant = await grants.add({ subject: ada, roleId: editor.id, tenantId: 'tenant-a' });
      const renaming = roles.update(A, editor.id, { name: 'writer', permissions: [] }, failing);
      await expect(renaming).rejects.toThrow(ANNOUNCE_FAILURE);
      await expect(roles.delete(A, editor.id, failing)).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await roles.get(A, editor.id)).toEqual(editor);
      expect(await grants.listBySubject(ada, 'tenant-a')).toEqual([grant]);
      expect(await writtenEvents(target!)).toEqual([]);

      const created = recordingAnnounce<Role>('role.created', (role) => ({ name: role.name }));
      const viewer = await roles.create({ owner: A, name: 'viewer' }, created);
      expect(created.seen).toEqual([viewer]);
      const updated = recordingAnnounce<Role | null>('role.updated', (role) => ({
        name: role?.name ?? null,
      }));
      const writer = await roles.update(A, editor.id, { name: 'writer' }, updated);
      expect(await roles.update(A, 'no-such-role', { name: 'x' }, updated)).toBeNull();
      expect(updated.seen).toEqual([writer, null]);
      const deleted = recordingAnnounce<boolean>('role.deleted', (done) => ({ done }));
      expect(await roles.delete(A, editor.id, deleted)).toBe(true);
      expect(await grants.listBySubject(ada, 'tenant-a')).toEqual([]);
      expect(await writtenEvents(target!)).toEqual([
        ['role.created', { name: 'viewer' }],
        ['role.updated', { name: 'writer' }],
        ['role.updated', { name: null }],
        ['role.deleted', { done: true }],
      ]);
    });
  });
}
