import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import { EventPublisher } from '../core/events.ts';
import { BrokerInvalidation } from '../core/invalidation.ts';
import type { Principal } from '../core/request-state.ts';
import { MemoryBroker } from '../storage/memory/memory-broker.ts';
import { ACCESS_TOPIC } from './access-change.ts';
import { AccessControl } from './access-control.ts';
import { GLOBAL } from './access-scope.ts';
import { SqlAccessSnapshot } from './access-snapshot.ts';
import { SqlGrantStore } from './stores/sql-grant-store.ts';
import { SqlMembershipStore } from './stores/sql-membership-store.ts';
import { SqlRoleStore } from './stores/sql-role-store.ts';

const log = pino({ level: 'silent' });
const ADA = { type: 'user', id: 'ada' } as const;

function user(id: string, tenantId?: string): Principal {
  return {
    type: 'user',
    id,
    userId: id,
    sessionId: null,
    authMethod: 'session',
    amr: ['pwd'],
    authTime: 0,
    fresh: true,
    ...(tenantId === undefined ? {} : { tenantId }),
  };
}

function cluster({ database }: OpenSql) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const broker = new MemoryBroker();
  const roles = new SqlRoleStore(database, { clock });
  const grants = new SqlGrantStore(database, { clock });
  const memberships = new SqlMembershipStore(database, { clock });
  const node = () =>
    new AccessControl({
      roles,
      grants,
      memberships,
      snapshot: new SqlAccessSnapshot(database),
      invalidation: new BrokerInvalidation(() => broker, log),
      events: new EventPublisher(() => broker, clock, log),
      log,
    });
  return { clock, broker, roles, grants, memberships, a: node(), b: node() };
}

for (const target of await migratedSqlTargets('access_control', { withoutDefaultRoles: true })) {
  describe(`AccessControl on ${target.name}`, () => {
    it('loads every role and grant at start, and follows changed() on its own node', async () => {
      const open = await target.open();
      const { roles, grants, a } = cluster(open);
      const viewer = await roles.create({
        owner: { scope: 'system' },
        name: 'viewer',
        permissions: ['notes:read'],
      });
      const editor = await roles.create({
        owner: { scope: 'tenant', tenantId: 'acme' },
        name: 'editor',
        permissions: ['notes:update:own'],
        inherits: [viewer.id],
      });
      await roles.create({ owner: { scope: 'template' }, name: 'starter', permissions: ['notes:read'] });
      await grants.add({ subject: ADA, roleId: editor.id, tenantId: 'acme' });
      await a.start();
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(true);
      expect(a.can(user('ada'), 'notes:read', 'globex')).toBe(false);
      // The principal's active tenant is never a decision's scope: GLOBAL means global grants alone.
      expect(a.can(user('ada', 'acme'), 'notes:read', GLOBAL)).toBe(false);
      expect(a.explain(user('ada', 'acme'), 'notes:read', GLOBAL).allowed).toBe(false);
      expect(a.holdsRole(user('ada', 'acme'), 'editor', GLOBAL)).toBe(false);
      expect(a.holdsRole(user('ada', 'acme'), 'editor', 'acme')).toBe(true);
      expect(a.authorize(user('ada'), 'notes:update', { ownerId: 'ada', tenantId: 'acme' })).toBe(true);
      expect(a.authorize(user('ada'), 'notes:update', { ownerId: 'bob', tenantId: 'acme' })).toBe(false);
      expect(a.explain(user('ada'), 'notes:read', 'acme').via).toEqual([
        `grant: user:ada as ${editor.id} in tenant acme`,
        `role: ${editor.id}`,
        `role: ${viewer.id}`,
        'permission: notes:read',
      ]);

      await grants.remove({ subject: ADA, roleId: editor.id, tenantId: 'acme' });
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(true);
      await a.changed({ kind: 'grant', tenantId: 'acme', subjects: [ADA] });
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(false);
      await a.close();
      await open.close();
    });

    it('keeps API keys and users apart even when their ids are equal', async () => {
      const open = await target.open();
      const { roles, grants, a } = cluster(open);
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin', permissions: ['*'] });
      await grants.add({ subject: { type: 'api_key', id: 'ada' }, roleId: admin.id, tenantId: null });
      await a.start();
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(false);
      expect(a.can({ ...user('ada'), type: 'api_key', userId: null }, 'notes:read', 'acme')).toBe(true);
      await a.close();
      await open.close();
    });

    it('carries a grant added on node A to node B through the broker', async () => {
      const open = await target.open();
      const { roles, grants, a, b } = cluster(open);
      const viewer = await roles.create({
        owner: { scope: 'system' },
        name: 'viewer',
        permissions: ['notes:read'],
      });
      await a.start();
      await b.start();
      expect(b.can(user('ada'), 'notes:read', 'acme')).toBe(false);
      await grants.add({ subject: ADA, roleId: viewer.id, tenantId: 'acme' });
      await a.changed({ kind: 'grant', tenantId: 'acme', subjects: [ADA] });
      await b.idle();
      expect(b.can(user('ada'), 'notes:read', 'acme')).toBe(true);
      // A hears its own message too; rereading changes nothing.
      await a.idle();
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(true);
      expect(a.can(user('ada'), 'notes:read', 'globex')).toBe(false);
      await a.close();
      await b.close();
      await open.close();
    });

    it("propagates a role's new permissions to every holder on every node", async () => {
      const open = await target.open();
      const { roles, grants, a, b } = cluster(open);
      const owner = { scope: 'tenant', tenantId: 'acme' } as const;
      const editor = await roles.create({ owner, name: 'editor', permissions: ['notes:read'] });
      await grants.add({ subject: ADA, roleId: editor.id, tenantId: 'acme' });
      await grants.add({ subject: { type: 'user', id: 'bob' }, roleId: editor.id, tenantId: 'acme' });
      await a.start();
      await b.start();
      expect(b.can(user('bob'), 'notes:delete', 'acme')).toBe(false);
      await roles.update(owner, editor.id, { permissions: ['notes:read', 'notes:delete'] });
      await a.changed({ kind: 'role', owner, ids: [editor.id] });
      await b.idle();
      expect(b.can(user('ada'), 'notes:delete', 'acme')).toBe(true);
      expect(b.can(user('bob'), 'notes:delete', 'acme')).toBe(true);

      await roles.delete(owner, editor.id);
      await a.changed({ kind: 'role', owner, ids: [editor.id] });
      await b.idle();
      expect(b.can(user('ada'), 'notes:read', 'acme')).toBe(false);
      expect(a.can(user('bob'), 'notes:read', 'acme')).toBe(false);
      await a.close();
      await b.close();
      await open.close();
    });

    it('applies a global grant in every tenant and outside any tenant', async () => {
      const open = await target.open();
      const { roles, grants, a, b } = cluster(open);
      const support = await roles.create({
        owner: { scope: 'system' },
        name: 'support',
        permissions: ['users:read'],
      });
      await a.start();
      await b.start();
      await grants.add({ subject: ADA, roleId: support.id, tenantId: null });
      await a.changed({ kind: 'grant', tenantId: null, subjects: [ADA] });
      await b.idle();
      for (const tenant of ['acme', 'globex', GLOBAL] as const)
        expect(b.can(user('ada'), 'users:read', tenant)).toBe(true);
      expect(b.can(user('ada'), 'users:delete', 'acme')).toBe(false);
      await a.close();
      await b.close();
      await open.close();
    });

    it('rereads a whole tenant, and reloads everything after lost messages', async () => {
      const open = await target.open();
      const { roles, grants, a } = cluster(open);
      const owner = { scope: 'tenant', tenantId: 'acme' } as const;
      const editor = await roles.create({ owner, name: 'editor', permissions: ['notes:read'] });
      await grants.add({ subject: ADA, roleId: editor.id, tenantId: 'acme' });
      await a.start();
      await roles.delete(owner, editor.id);
      await a.changed({ kind: 'tenant', tenantId: 'acme' });
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(false);

      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin', permissions: ['*'] });
      await grants.add({ subject: ADA, roleId: admin.id, tenantId: 'acme' });
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(false);
      await a.reload();
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(true);
      await a.close();
      await open.close();
    });

    it('decides membership from memory: loaded at start, kept by grant and tenant changes on every node', async () => {
      const open = await target.open();
      const { memberships, a, b } = cluster(open);
      await memberships.add('acme', 'ada');
      await a.start();
      await b.start();
      expect(a.isMember(user('ada'), 'acme')).toBe(true);
      expect(a.isMember(user('ada'), 'globex')).toBe(false);
      // An API key with the same id is never a member.
      expect(a.isMember({ type: 'api_key', id: 'ada' }, 'acme')).toBe(false);

      // Written without an announcement: memory does not change (no store read per check)…
      await memberships.add('acme', 'bob');
      expect(a.isMember(user('bob'), 'acme')).toBe(false);
      // …until a grant change names the member there, on this node and, over the broker, on the other.
      await a.changed({ kind: 'grant', tenantId: 'acme', subjects: [{ type: 'user', id: 'bob' }] });
      expect(a.isMember(user('bob'), 'acme')).toBe(true);
      await b.idle();
      expect(b.isMember(user('bob'), 'acme')).toBe(true);

      await memberships.remove('acme', 'ada');
      await a.changed({ kind: 'grant', tenantId: 'acme', subjects: [ADA] });
      expect(a.isMember(user('ada'), 'acme')).toBe(false);

      // A tenant change rereads every member of the tenant; reload() rereads them all.
      await memberships.add('acme', 'cy');
      await memberships.remove('acme', 'bob');
      await a.changed({ kind: 'tenant', tenantId: 'acme' });
      expect(a.isMember(user('cy'), 'acme')).toBe(true);
      expect(a.isMember(user('bob'), 'acme')).toBe(false);
      await memberships.add('globex', 'ada');
      await a.reload();
      expect(a.isMember(user('ada'), 'globex')).toBe(true);
      await a.close();
      await b.close();
      await open.close();
    });

    it('refuses a malformed change and ignores a malformed broker message', async () => {
      const open = await target.open();
      const { broker, roles, grants, a } = cluster(open);
      await a.start();
      await expect(
        a.changed({ kind: 'grant', tenantId: 'acme', subjects: [{ type: 'robot', id: 'x' }] } as never),
      ).rejects.toThrow(TypeError);
      const viewer = await roles.create({
        owner: { scope: 'system' },
        name: 'viewer',
        permissions: ['notes:read'],
      });
      await grants.add({ subject: ADA, roleId: viewer.id, tenantId: 'acme' });
      const invalidation = new BrokerInvalidation(() => broker, log);
      invalidation.invalidate(ACCESS_TOPIC, 'not json');
      invalidation.invalidate(
        ACCESS_TOPIC,
        JSON.stringify({ type: 'access.changed', change: { kind: 'grant' } }),
      );
      invalidation.invalidate(
        ACCESS_TOPIC,
        JSON.stringify({
          type: 'access.changed',
          change: { kind: 'grant', tenantId: 'acme', subjects: [ADA] },
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
      await a.idle();
      expect(a.can(user('ada'), 'notes:read', 'acme')).toBe(true);
      await a.close();
      await open.close();
    });
  });
}
