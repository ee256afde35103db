import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { AccessStoresTarget, OpenAccessStores } from './access-stores-target.ts';
import {
  ANNOUNCE_FAILURE,
  failingAnnounce,
  recordingAnnounce,
  writtenEvents,
} from './announcing.conformance.ts';
import type { Grant, GrantSubject } from './grant-store.ts';

const START = Date.UTC(2026, 0, 1);
const ADA: GrantSubject = { type: 'user', id: 'ada' };
const KEY: GrantSubject = { type: 'api_key', id: 'key-1' };

/**
 * The behaviour every GrantStore adapter must show, with the other access stores of its set: idempotent adds
 * (one global grant, never two), only grantable roles, and lists that never cross tenants. Each test gets
 * fresh, empty stores on a manual clock standing at 2026-01-01T00:00Z.
 */
export function grantStoreConformance(adapter: string, open: OpenAccessStores): void {
  describe(`GrantStore conformance: ${adapter}`, () => {
    let target: AccessStoresTarget | undefined;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(START);
      target = await open(clock);
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    /** The grant store with a system role, a role in each of two tenants, and a template. */
    async function withRoles() {
      const { roles, grants } = target!;
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin' });
      const editorA = await roles.create({
        owner: { scope: 'tenant', tenantId: 'tenant-a' },
        name: 'editor',
      });
      const editorB = await roles.create({
        owner: { scope: 'tenant', tenantId: 'tenant-b' },
        name: 'editor',
      });
      const template = await roles.create({ owner: { scope: 'template' }, name: 'viewer' });
      return { grants, admin, editorA, editorB, template };
    }

    it('adds a tenant grant and a global grant, each idempotently', async () => {
      const { grants, admin, editorA } = await withRoles();
      const tenantGrant = await grants.add({
        subject: ADA,
        roleId: editorA.id,
        tenantId: 'tenant-a',
        createdBy: 'root',
      });
      expect(tenantGrant).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        subject: ADA,
        roleId: editorA.id,
        tenantId: 'tenant-a',
        createdBy: 'root',
        createdAt: new Date(START),
      });
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      expect(global).toMatchObject({ tenantId: null, createdBy: null });
      clock.advance(1_000);
      expect(await grants.add({ subject: ADA, roleId: editorA.id, tenantId: 'tenant-a' })).toEqual(
        tenantGrant,
      );
      // The case a NULL tenant_id would get wrong: a second global grant must not become a second row.
      expect(await grants.add({ subject: ADA, roleId: admin.id, tenantId: null })).toEqual(global);
      expect(await grants.listByRole(admin.id, null)).toEqual([global]);
      const both = await grants.listBySubject(ADA, 'tenant-a');
      expect(both).toHaveLength(2);
      expect(both).toEqual(expect.arrayContaining([tenantGrant, global]));
    });

    it("refuses another tenant's role, a template, a tenant role granted globally and an unknown subject type", async () => {
      const { grants, editorA, editorB, template } = await withRoles();
      for (const input of [
        { roleId: editorB.id, tenantId: 'tenant-a' },
        { roleId: template.id, tenantId: 'tenant-a' },
        { roleId: editorA.id, tenantId: null },
        { roleId: 'missing', tenantId: 'tenant-a' },
      ]) {
        await expect(grants.add({ subject: ADA, ...input })).rejects.toMatchObject({
          code: 'LIFT_VALIDATION_FAILED',
          issues: [expect.objectContaining({ path: 'roleId' })],
        });
      }
      await expect(
        grants.add({
          subject: { type: 'robot' as 'user', id: 'r' },
          roleId: editorA.id,
          tenantId: 'tenant-a',
        }),
      ).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'subject.type' })] });
      await expect(grants.add({ subject: ADA, roleId: editorA.id, tenantId: '*' })).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: 'tenantId' })],
      });
      expect(await grants.listByTenant('tenant-a')).toEqual([]);
    });

    it("lists by subject (tenant plus global), by tenant and by role, never another tenant's", async () => {
      const { grants, admin, editorA, editorB } = await withRoles();
      const a = await grants.add({ subject: ADA, roleId: editorA.id, tenantId: 'tenant-a' });
      clock.advance(1);
      const b = await grants.add({ subject: ADA, roleId: editorB.id, tenantId: 'tenant-b' });
      clock.advance(1);
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      clock.advance(1);
      const keyInA = await grants.add({ subject: KEY, roleId: admin.id, tenantId: 'tenant-a' });

      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([a, global]);
      expect(await grants.listBySubject(ADA, 'tenant-b')).toEqual([b, global]);
      expect(await grants.listBySubject(ADA, null)).toEqual([global]);
      expect(await grants.listBySubject(ADA, 'tenant-c')).toEqual([global]);
      expect(await grants.listBySubject({ type: 'service', id: 'ada' }, 'tenant-a')).toEqual([]);
      expect(await grants.listByTenant('tenant-a')).toEqual([a, keyInA]);
      expect(await grants.listByTenant('tenant-b')).toEqual([b]);
      expect(await grants.listByRole(admin.id, 'tenant-a')).toEqual([keyInA]);
      expect(await grants.listByRole(admin.id, null)).toEqual([global]);
      expect(await grants.listByRole(editorA.id, 'tenant-b')).toEqual([]);
    });

    it('removes exactly the grant named, global or in a tenant', async () => {
      const { grants, admin } = await withRoles();
      await grants.add({ subject: ADA, roleId: admin.id, tenantId: 'tenant-a' });
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      expect(await grants.remove({ subject: ADA, roleId: admin.id, tenantId: 'tenant-b' })).toBe(false);
      expect(await grants.remove({ subject: ADA, roleId: admin.id, tenantId: 'tenant-a' })).toBe(true);
      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([global]);
      expect(await grants.remove({ subject: ADA, roleId: admin.id, tenantId: null })).toBe(true);
      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([]);
    });

    it('finds a tenant or global grant by id, and nothing once it is removed', async () => {
      const { grants, admin, editorA } = await withRoles();
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      const local = await grants.add({
        subject: ADA,
        roleId: editorA.id,
        tenantId: 'tenant-a',
        createdBy: 'root',
      });
      expect(await grants.get(global.id)).toEqual(global);
      expect(await grants.get(local.id)).toEqual(local);
      expect(await grants.get('missing')).toBeNull();
      await grants.remove({ subject: ADA, roleId: editorA.id, tenantId: 'tenant-a' });
      expect(await grants.get(local.id)).toBeNull();
      expect(await grants.get(global.id)).toEqual(global);
    });

    it('keeps one grant when many adds of it race, globally and in a tenant', async () => {
      const { grants, admin, editorA } = await withRoles();
      for (const input of [
        { roleId: admin.id, tenantId: null },
        { roleId: editorA.id, tenantId: 'tenant-a' },
      ]) {
        const results = await Promise.all(
          Array.from({ length: 8 }, () => grants.add({ subject: ADA, ...input })),
        );
        expect(new Set(results.map((grant) => grant.id)).size).toBe(1);
        expect(await grants.listByRole(input.roleId, input.tenantId)).toEqual([results[0]]);
      }
    });

    it('writes the events an add or a remove announces with it, and changes nothing when that fails', async () => {
      const { grants, admin, editorA } = await withRoles();
      const failing = { announce: failingAnnounce };
      const key = { subject: ADA, roleId: editorA.id, tenantId: 'tenant-a' };
      await expect(grants.add(key, failing)).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([]);
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      await expect(grants.remove(global, failing)).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await grants.listBySubject(ADA, null)).toEqual([global]);
      expect(await writtenEvents(target!)).toEqual([]);

      const added = recordingAnnounce<Grant>('grant.created', (grant) => ({ roleId: grant.roleId }));
      const grant = await grants.add(key, added);
      expect(added.seen).toEqual([grant]);
      const removed = recordingAnnounce<boolean>('grant.deleted', (done) => ({ done }));
      expect(await grants.remove(global, removed)).toBe(true);
      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([grant]);
      expect(await writtenEvents(target!)).toEqual([
        ['grant.created', { roleId: editorA.id }],
        ['grant.deleted', { done: true }],
      ]);
    });
  });
}
