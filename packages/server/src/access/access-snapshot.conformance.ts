import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { AccessSnapshot } from './access-snapshot.ts';
import type { AccessStoresTarget, OpenAccessStores } from './stores/access-stores-target.ts';

const START = Date.UTC(2026, 0, 1);

const text = (value: unknown) => JSON.stringify(value);

/** The snapshot with every list in a fixed order, since the port promises none. */
function sorted(snapshot: AccessSnapshot): AccessSnapshot {
  const by = <T>(items: T[]) => [...items].sort((a, b) => (text(a) < text(b) ? -1 : 1));
  return {
    roles: by(snapshot.roles),
    grants: by(snapshot.grants),
    mfaTenants: [...snapshot.mfaTenants].sort(),
    memberships: by(snapshot.memberships),
  };
}

/**
 * The behaviour every AccessSnapshotSource adapter must show: the one cross-tenant read of the access model,
 * equal to what the access stores of its set hold. Each test gets fresh, empty stores (no seeded roles).
 */
export function accessSnapshotConformance(adapter: string, open: OpenAccessStores): void {
  describe(`AccessSnapshotSource conformance: ${adapter}`, () => {
    let target: AccessStoresTarget | undefined;
    let stores: AccessStoresTarget;

    beforeEach(async () => {
      target = await open(new ManualClock(START));
      stores = target;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('loads nothing from empty stores', async () => {
      expect(await stores.accessSnapshot.load()).toEqual({
        roles: [],
        grants: [],
        mfaTenants: [],
        memberships: [],
      });
    });

    it('loads every role, grant and membership of every tenant, and the tenants requiring MFA', async () => {
      const { tenants, memberships, roles, grants, accessSnapshot } = stores;
      const strict = await tenants.create({
        name: 'Strict',
        slug: 'strict',
        settings: { require_mfa: true },
        createdBy: 'ada',
      });
      // Only the JSON value true turns it on; a mention elsewhere or the string "true" does not.
      const lax = await tenants.create({
        name: 'Lax',
        slug: 'lax',
        settings: { require_mfa: 'true', note: 'require_mfa' },
        createdBy: 'grace',
      });
      await memberships.add(lax.id, 'ada');
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin', permissions: ['*'] });
      const template = await roles.create({
        owner: { scope: 'template' },
        name: 'viewer',
        inherits: [admin.id],
      });
      const editor = await roles.create({
        owner: { scope: 'tenant', tenantId: strict.id },
        name: 'editor',
        permissions: ['notes:write', 'notes:read'],
        inherits: [admin.id],
      });
      await grants.add({ subject: { type: 'user', id: 'ada' }, roleId: admin.id, tenantId: null });
      await grants.add({ subject: { type: 'api_key', id: 'key-1' }, roleId: editor.id, tenantId: strict.id });

      expect(sorted(await accessSnapshot.load())).toEqual(
        sorted({
          roles: [
            { id: admin.id, owner: { scope: 'system' }, name: 'admin', permissions: ['*'], inherits: [] },
            {
              id: template.id,
              owner: { scope: 'template' },
              name: 'viewer',
              permissions: [],
              inherits: [admin.id],
            },
            {
              id: editor.id,
              owner: { scope: 'tenant', tenantId: strict.id },
              name: 'editor',
              permissions: ['notes:write', 'notes:read'],
              inherits: [admin.id],
            },
          ],
          grants: [
            { subject: { type: 'user', id: 'ada' }, roleId: admin.id, tenantId: null },
            { subject: { type: 'api_key', id: 'key-1' }, roleId: editor.id, tenantId: strict.id },
          ],
          mfaTenants: [strict.id],
          memberships: [
            { tenantId: strict.id, userId: 'ada' },
            { tenantId: lax.id, userId: 'grace' },
            { tenantId: lax.id, userId: 'ada' },
          ],
        }),
      );
      expect(await accessSnapshot.requiresMfa(strict.id)).toBe(true);
      expect(await accessSnapshot.requiresMfa(lax.id)).toBe(false);
      expect(await accessSnapshot.requiresMfa('missing')).toBe(false);
      expect((await accessSnapshot.membersOf(lax.id)).sort()).toEqual(['ada', 'grace']);
      expect(await accessSnapshot.membersOf('missing')).toEqual([]);
    });

    it('answers what the stores hold now, after changes', async () => {
      const { tenants, memberships, roles, grants, accessSnapshot } = stores;
      const tenant = await tenants.create({ name: 'Acme', slug: 'acme', createdBy: 'ada' });
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin' });
      await grants.add({ subject: { type: 'user', id: 'ada' }, roleId: admin.id, tenantId: tenant.id });
      expect(await accessSnapshot.requiresMfa(tenant.id)).toBe(false);

      await tenants.update(tenant.id, { settings: { require_mfa: true } });
      await memberships.add(tenant.id, 'grace');
      expect(await accessSnapshot.requiresMfa(tenant.id)).toBe(true);
      expect((await accessSnapshot.membersOf(tenant.id)).sort()).toEqual(['ada', 'grace']);

      await roles.delete({ scope: 'system' }, admin.id);
      await memberships.remove(tenant.id, 'ada');
      expect(await accessSnapshot.load()).toEqual({
        roles: [],
        grants: [],
        mfaTenants: [tenant.id],
        memberships: [{ tenantId: tenant.id, userId: 'grace' }],
      });
      await tenants.delete(tenant.id);
      expect(await accessSnapshot.load()).toEqual({ roles: [], grants: [], mfaTenants: [], memberships: [] });
      expect(await accessSnapshot.requiresMfa(tenant.id)).toBe(false);
    });
  });
}
