import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../test/support/app-request.ts';
import { createLift, type LiftApp } from '../app/create-lift.ts';
import { requireAuth } from '../core/authenticate.ts';
import type { LiftEvent } from '../core/events.ts';
import { BrokerInvalidation } from '../core/invalidation.ts';
import { AccessControl } from './access-control.ts';
import { SqlAccessSnapshot } from './access-snapshot.ts';
import { accessGuards } from './guards.ts';
import { PermissionCatalog, UndeclaredPermissionError } from './permission-catalog.ts';
import { SqlGrantStore } from './stores/sql-grant-store.ts';
import { SqlMembershipStore } from './stores/sql-membership-store.ts';
import { SqlRoleStore } from './stores/sql-role-store.ts';

interface Harness {
  app: LiftApp;
  access: AccessControl;
  roles: SqlRoleStore;
  grants: SqlGrantStore;
  memberships: SqlMembershipStore;
  events: LiftEvent[];
  close(): Promise<void>;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

async function notesApp(): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-access-'));
  const app = createLift({
    env: 'test',
    dataDir,
    log: { level: 'silent' },
    mail: { url: 'memory:' },
    auth: { publicUrl: 'http://lift.test' },
  });
  // Nothing here touches the database before start(): the stores and AccessControl only hold the handles.
  const sql = app.storage.sql;
  const roles = new SqlRoleStore(sql);
  const grants = new SqlGrantStore(sql);
  const memberships = new SqlMembershipStore(sql);
  const access = new AccessControl({
    roles,
    grants,
    memberships,
    snapshot: new SqlAccessSnapshot(sql),
    invalidation: new BrokerInvalidation(() => app.storage.broker, app.log),
    events: app.module('access').events,
    log: app.log,
  });
  const guards = accessGuards(
    access,
    new PermissionCatalog({ 'notes:read': 'Read', 'notes:delete': 'Delete' }),
  );
  app
    .group('/tenants/:tenantId/notes', requireAuth(), guards.requirePermission('notes:read'))
    .get('/', () => ({ notes: [] }));
  app
    .group('/tenants/:tenantId/settings', requireAuth(), guards.requireTenantMember())
    .get('/', () => ({ settings: {} }));
  app.group('/notes', requireAuth()).delete('/:ownerId', async (ctx) => {
    await guards.authorize(ctx, 'notes:delete', { ownerId: ctx.raw.req.param('ownerId'), tenantId: 'acme' });
    return undefined;
  });
  await app.start();
  await access.start();
  const events: LiftEvent[] = [];
  // Local handlers run after the answer; `call` waits for them, so a refusal's event is recorded by then.
  const unsubscribe = app.events.onLocal((event) => {
    events.push(event);
  });
  const harness: Harness = {
    app,
    access,
    roles,
    grants,
    memberships,
    events,
    async close() {
      unsubscribe();
      await access.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  open.push(harness);
  return harness;
}

async function signedIn(app: LiftApp, email: string): Promise<{ userId: string; cookie: string }> {
  const user = await app.module('identity').deps.users.create({ email });
  const { token } = await app.identity.sessions.create({ userId: user.id, amr: ['pwd'], origin: {} });
  return { userId: user.id, cookie: `${app.identity.cookie.name}=${token}` };
}

describe('access guards', () => {
  it('lets a holder of the permission in the route tenant through, and refuses elsewhere with 403', async () => {
    const { app, access, roles, grants, events } = await notesApp();
    const ada = await signedIn(app, 'ada@example.com');
    const reader = await roles.create({
      owner: { scope: 'system' },
      name: 'reader',
      permissions: ['notes:read'],
    });
    await grants.add({ subject: { type: 'user', id: ada.userId }, roleId: reader.id, tenantId: 'acme' });
    await access.changed({ kind: 'grant', tenantId: 'acme', subjects: [{ type: 'user', id: ada.userId }] });

    const allowed = await call(app, '/tenants/acme/notes', { headers: { cookie: ada.cookie } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ notes: [] });

    const denied = await call(app, '/tenants/globex/notes', {
      headers: { cookie: ada.cookie, 'user-agent': 'vitest', 'x-request-id': 'req-1' },
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toContain('application/problem+json');
    const body = (await denied.json()) as { code: string; detail: string };
    expect(body.code).toBe('LIFT_PERMISSION_DENIED');
    expect(body.detail).toContain('notes:read');
    expect(body.detail).not.toContain('reader');
    await access.idle();
    expect(events.filter((event) => event.type === 'access.denied')).toEqual([
      expect.objectContaining({
        actor: ada.userId,
        reason: 'missing_permission',
        userAgent: 'vitest',
        requestId: 'req-1',
        data: { permission: 'notes:read', tenantId: 'globex' },
      }),
    ]);
  });

  it('answers 401 without a principal, before deciding anything', async () => {
    const { app } = await notesApp();
    expect((await call(app, '/tenants/acme/notes')).status).toBe(401);
  });

  it('follows a revoked grant at once', async () => {
    const { app, access, roles, grants } = await notesApp();
    const ada = await signedIn(app, 'ada@example.com');
    const reader = await roles.create({
      owner: { scope: 'system' },
      name: 'reader',
      permissions: ['notes:read'],
    });
    const subject = { type: 'user', id: ada.userId } as const;
    await grants.add({ subject, roleId: reader.id, tenantId: null });
    await access.changed({ kind: 'grant', tenantId: null, subjects: [subject] });
    expect((await call(app, '/tenants/acme/notes', { headers: { cookie: ada.cookie } })).status).toBe(200);
    await grants.remove({ subject, roleId: reader.id, tenantId: null });
    await access.changed({ kind: 'grant', tenantId: null, subjects: [subject] });
    expect((await call(app, '/tenants/acme/notes', { headers: { cookie: ada.cookie } })).status).toBe(403);
  });

  it('requires membership of the route tenant', async () => {
    const { app, access, memberships, events } = await notesApp();
    const ada = await signedIn(app, 'ada@example.com');
    await memberships.add('acme', ada.userId);
    // Memberships are decided from memory: a write is announced like a grant change for the member.
    await access.changed({ kind: 'grant', tenantId: 'acme', subjects: [{ type: 'user', id: ada.userId }] });
    expect((await call(app, '/tenants/acme/settings', { headers: { cookie: ada.cookie } })).status).toBe(200);
    const denied = await call(app, '/tenants/globex/settings', { headers: { cookie: ada.cookie } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { code: string }).code).toBe('LIFT_NOT_TENANT_MEMBER');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'access.denied', reason: 'not_member', data: { tenantId: 'globex' } }),
    );
  });

  it('authorizes an object in a handler, :own grants only for the owner', async () => {
    const { app, access, roles, grants } = await notesApp();
    const ada = await signedIn(app, 'ada@example.com');
    const author = await roles.create({
      owner: { scope: 'system' },
      name: 'author',
      permissions: ['notes:delete:own'],
    });
    const subject = { type: 'user', id: ada.userId } as const;
    await grants.add({ subject, roleId: author.id, tenantId: 'acme' });
    await access.changed({ kind: 'grant', tenantId: 'acme', subjects: [subject] });
    const own = await call(app, `/notes/${ada.userId}`, {
      method: 'DELETE',
      headers: { cookie: ada.cookie, origin: 'http://lift.test' },
    });
    expect(own.status).toBe(204);
    const other = await call(app, '/notes/bob', {
      method: 'DELETE',
      headers: { cookie: ada.cookie, origin: 'http://lift.test' },
    });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { detail: string }).detail).toContain('notes:delete');
  });

  it('refuses a malformed permission name when the route is declared', () => {
    const guards = accessGuards({} as AccessControl);
    expect(() => guards.requirePermission('notes')).toThrow();
  });

  it('refuses an undeclared permission when the route is declared, naming the closest declared one', () => {
    const guards = accessGuards({} as AccessControl, new PermissionCatalog({ 'books:read': 'Read books' }));
    expect(() => guards.requirePermission('books:read')).not.toThrow();
    expect(() => guards.requirePermission('boks:read')).toThrow(UndeclaredPermissionError);
    expect(() => guards.requirePermission('boks:read')).toThrow('Did you mean "books:read"?');
    expect(() => guards.requirePermission('ledger:close')).toThrow(/not declared/);
  });
});
