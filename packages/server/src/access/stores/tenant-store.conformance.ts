import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ValidationError } from '../../core/errors.ts';
import type { AccessStoresTarget, OpenAccessStores } from './access-stores-target.ts';
import {
  ANNOUNCE_FAILURE,
  failingAnnounce,
  recordingAnnounce,
  writtenEvents,
} from './announcing.conformance.ts';
import { TenantSlugTakenError } from './tenant-slug-taken-error.ts';
import type { Tenant } from './tenant-store.ts';

const START = Date.UTC(2026, 0, 1);

/**
 * The behaviour every TenantStore adapter must show, with the other access stores of its set. Each test gets
 * fresh, empty stores on a manual clock standing at 2026-01-01T00:00Z.
 */
export function tenantStoreConformance(adapter: string, open: OpenAccessStores): void {
  describe(`TenantStore conformance: ${adapter}`, () => {
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

    it('creates a tenant with its creator as the first member, found by id and any casing of its slug', async () => {
      const { tenants, memberships } = stores;
      const tenant = await tenants.create({
        name: ' Acme ',
        slug: 'Acme-Corp',
        settings: { require_mfa: false, nested: { list: [1, 'two', null] } },
        createdBy: 'user-1',
      });
      expect(tenant).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        name: 'Acme',
        slug: 'acme-corp',
        settings: { require_mfa: false, nested: { list: [1, 'two', null] } },
        createdBy: 'user-1',
        createdAt: new Date(START),
        updatedAt: new Date(START),
      });
      expect(await tenants.get(tenant.id)).toEqual(tenant);
      expect(await tenants.getBySlug(' ACME-corp')).toEqual(tenant);
      expect(await tenants.getBySlug('other')).toBeNull();
      expect(await tenants.get('missing')).toBeNull();
      expect(await memberships.isMember(tenant.id, 'user-1')).toBe(true);
      expect(await tenants.listForUser('user-1')).toEqual([tenant]);
      expect(await tenants.listForUser('user-2')).toEqual([]);
    });

    it('refuses a taken slug on create and on update with TenantSlugTakenError (409 LIFT_TENANT_SLUG_TAKEN)', async () => {
      const { tenants } = stores;
      await tenants.create({ name: 'Acme', slug: 'acme', createdBy: 'user-1' });
      const taken = tenants.create({ name: 'Other', slug: 'ACME', createdBy: 'user-2' });
      await expect(taken).rejects.toBeInstanceOf(TenantSlugTakenError);
      await expect(taken).rejects.toMatchObject({ code: 'LIFT_TENANT_SLUG_TAKEN', status: 409 });
      // The failed create left no membership behind.
      expect(await tenants.listForUser('user-2')).toEqual([]);
      const other = await tenants.create({ name: 'Other', slug: 'other', createdBy: 'user-2' });
      await expect(tenants.update(other.id, { slug: 'Acme' })).rejects.toBeInstanceOf(TenantSlugTakenError);
      expect((await tenants.get(other.id))?.slug).toBe('other');
      expect(await tenants.update(other.id, { slug: 'other' })).toMatchObject({ slug: 'other' });
    });

    it('refuses a malformed slug or an empty name with ValidationError naming the field', async () => {
      const { tenants } = stores;
      for (const slug of ['', '-acme', 'acme-', 'a b', 'a'.repeat(64), 'ünï']) {
        const refused = tenants.create({ name: 'X', slug, createdBy: 'user-3' });
        await expect(refused).rejects.toBeInstanceOf(ValidationError);
        await expect(refused).rejects.toMatchObject({
          code: 'LIFT_VALIDATION_FAILED',
          issues: [expect.objectContaining({ path: 'slug' })],
        });
      }
      await expect(tenants.create({ name: '  ', slug: 'x', createdBy: 'user-3' })).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: 'name' })],
      });
      expect(await tenants.listForUser('user-3')).toEqual([]);
    });

    it('lets exactly one of many concurrent creates of one slug win', async () => {
      const { tenants } = stores;
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          tenants.create({ name: `Acme ${index}`, slug: 'acme', createdBy: `user-${index}` }),
        ),
      );
      const won = results.filter((result) => result.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(TenantSlugTakenError);
      }
      const memberOf = await Promise.all(
        Array.from({ length: 8 }, (_, index) => tenants.listForUser(`user-${index}`)),
      );
      expect(memberOf.flat()).toHaveLength(1);
    });

    it('updates name and settings, moving updatedAt, and returns null for an unknown tenant', async () => {
      const { tenants } = stores;
      const tenant = await tenants.create({ name: 'Acme', slug: 'acme', createdBy: 'user-1' });
      expect(tenant.settings).toEqual({});
      clock.advance(1_000);
      const updated = await tenants.update(tenant.id, { name: 'Acme Inc', settings: { require_mfa: true } });
      expect(updated).toEqual({
        ...tenant,
        name: 'Acme Inc',
        settings: { require_mfa: true },
        updatedAt: new Date(START + 1_000),
      });
      expect(await tenants.get(tenant.id)).toEqual(updated);
      expect(await tenants.update('missing', { name: 'X' })).toBeNull();
      expect(await tenants.update('missing', { slug: 'free' })).toBeNull();
    });

    it('lists only the tenants the user belongs to, oldest membership first', async () => {
      const { tenants, memberships } = stores;
      const a = await tenants.create({ name: 'A', slug: 'a', createdBy: 'user-1' });
      clock.advance(1);
      const b = await tenants.create({ name: 'B', slug: 'b', createdBy: 'user-2' });
      clock.advance(1);
      const c = await tenants.create({ name: 'C', slug: 'c', createdBy: 'user-2' });
      clock.advance(1);
      await memberships.add(c.id, 'user-1');
      clock.advance(1);
      await memberships.add(b.id, 'user-1');
      expect((await tenants.listForUser('user-1')).map((tenant) => tenant.slug)).toEqual(['a', 'c', 'b']);
      expect((await tenants.listForUser('user-2')).map((tenant) => tenant.id)).toEqual([b.id, c.id]);
      expect(a.id).not.toBe(b.id);
    });

    it("deletes a tenant with its memberships, grants, invitations and roles, and nothing of another tenant's", async () => {
      const { tenants, memberships, roles, grants, invitations } = stores;
      const a = await tenants.create({ name: 'A', slug: 'a', createdBy: 'user-1' });
      const b = await tenants.create({ name: 'B', slug: 'b', createdBy: 'user-1' });
      const system = await roles.create({ owner: { scope: 'system' }, name: 'admin', permissions: ['*'] });
      for (const tenant of [a, b]) {
        await memberships.add(tenant.id, 'user-2');
        const editor = await roles.create({
          owner: { scope: 'tenant', tenantId: tenant.id },
          name: 'editor',
        });
        await grants.add({ subject: { type: 'user', id: 'user-2' }, roleId: editor.id, tenantId: tenant.id });
        await grants.add({ subject: { type: 'user', id: 'user-2' }, roleId: system.id, tenantId: tenant.id });
        await invitations.issue({ tenantId: tenant.id, email: 'eve@example.com', invitedBy: 'user-1' });
      }
      await grants.add({ subject: { type: 'user', id: 'user-2' }, roleId: system.id, tenantId: null });

      expect(await tenants.delete(a.id)).toBe(true);
      expect(await tenants.delete(a.id)).toBe(false);
      expect(await tenants.get(a.id)).toBeNull();
      expect(await tenants.getBySlug('a')).toBeNull();
      expect((await memberships.list(a.id, { limit: 10 })).members).toEqual([]);
      expect(await grants.listByTenant(a.id)).toEqual([]);
      expect(await invitations.listPending(a.id)).toEqual([]);
      expect(await roles.list({ scope: 'tenant', tenantId: a.id })).toEqual([]);

      expect((await memberships.list(b.id, { limit: 10 })).members).toHaveLength(2);
      expect(await grants.listByTenant(b.id)).toHaveLength(2);
      expect(await invitations.listPending(b.id)).toHaveLength(1);
      expect(await roles.list({ scope: 'tenant', tenantId: b.id })).toHaveLength(1);
      expect(await roles.get({ scope: 'system' }, system.id)).toEqual(system);
      expect(await grants.listBySubject({ type: 'user', id: 'user-2' }, null)).toHaveLength(1);
      expect(await tenants.listForUser('user-1')).toEqual([b]);
      // The slug is free again.
      expect(await tenants.create({ name: 'A again', slug: 'a', createdBy: 'user-3' })).toMatchObject({
        slug: 'a',
      });
    });

    it('writes the events an update or a delete announces with it, and changes nothing when that fails', async () => {
      const { tenants, memberships } = stores;
      const tenant = await tenants.create({ name: 'Acme', slug: 'acme', createdBy: 'user-1' });
      const failing = { announce: failingAnnounce };
      await expect(tenants.update(tenant.id, { name: 'Renamed' }, failing)).rejects.toThrow(ANNOUNCE_FAILURE);
      await expect(tenants.delete(tenant.id, failing)).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await tenants.get(tenant.id)).toEqual(tenant);
      expect(await memberships.isMember(tenant.id, 'user-1')).toBe(true);
      expect(await writtenEvents(target!)).toEqual([]);

      const updated = recordingAnnounce<Tenant | null>('tenant.updated', (result) => ({
        name: result?.name,
      }));
      const renamed = await tenants.update(tenant.id, { name: 'Renamed' }, updated);
      expect(updated.seen).toEqual([renamed]);
      const deleted = recordingAnnounce<boolean>('tenant.deleted', (done) => ({ done }));
      expect(await tenants.delete(tenant.id, deleted)).toBe(true);
      expect(await tenants.delete(tenant.id, deleted)).toBe(false);
      expect(await tenants.get(tenant.id)).toBeNull();
      expect(await writtenEvents(target!)).toEqual([
        ['tenant.updated', { name: 'Renamed' }],
        ['tenant.deleted', { done: true }],
        ['tenant.deleted', { done: false }],
      ]);
    });
  });
}
