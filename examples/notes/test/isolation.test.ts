import { beforeAll, expect, it } from 'vitest';
import { eachDialect, type NotesUser, type Reply } from './notes-harness.ts';

/**
 * Tenant isolation (ASVS v5.0.0 8.4.1, 8.2.2): the owner of tenant A — the most a member of A can be — calls
 * every endpoint of the app that takes a tenant or an object id, with tenant B's ids, and with A's tenant but
 * B's object ids. Every answer must be 403 or 404 (400 only where a body-carried secret is simply not valid
 * for the caller), with no data of B in it, and B must be unchanged afterwards. The walk is checked against
 * the app's route table, so a new route with an id fails this test until it is added here.
 */

interface Case {
  /** The route as registered, e.g. `PATCH /tenants/:tenantId/members/:userId`. */
  route: string;
  path: string;
  body?: unknown;
  /** Allowed statuses; default 403 or 404. */
  statuses?: number[];
  /** How alice authenticates; default her bearer token (session-only endpoints need the cookie). */
  via?: 'cookie' | 'bearer';
}

const PASSES = [403, 404];

eachDialect('tenant isolation', (target) => {
  let alice: NotesUser; // owner of A
  let carol: NotesUser; // owner of B
  let dave: NotesUser; // member of B
  let a = '';
  let b = '';
  const secrets: string[] = [];
  const bIds: Record<string, string> = {};

  beforeAll(async () => {
    const t = target();
    alice = await t.user('alice-a@example.com');
    carol = await t.user('carol-b@example.com');
    dave = await t.user('dave-b@example.com');
    a = await t.tenant('alpha-tenant', alice);
    b = await t.tenant('beta-secret', carol);
    await t.join(b, dave, 'member');
    await t.app.access.tenants.update(b, { name: 'Beta Secret Corp' });

    const note = await t.call(
      carol,
      'POST',
      `/tenants/${b}/notes`,
      { title: 'B secret plan', body: 'b-body' },
      'bearer',
    );
    expect(note.status).toBe(201);
    const role = await t.call(
      carol,
      'POST',
      `/tenants/${b}/roles`,
      { name: 'b-secret-role', permissions: ['notes:read'] },
      'bearer',
    );
    expect(role.status, role.text).toBe(201);
    const invitation = await t.call(
      carol,
      'POST',
      `/tenants/${b}/invitations`,
      { email: 'erin-b@example.com', role: 'viewer' },
      'bearer',
    );
    expect(invitation.status, invitation.text).toBe(201);
    const sessions = await t.call(carol, 'GET', '/auth/sessions');
    expect(sessions.status, sessions.text).toBe(200);

    bIds.tenant = b;
    bIds.note = note.body.id;
    bIds.role = role.body.role?.id ?? role.body.id;
    bIds.invitation = invitation.body.invitation.id;
    bIds.carol = carol.id;
    bIds.dave = dave.id;
    bIds.session = sessions.body.sessions[0].id;
    const grants = await t.app.access.grants.listByTenant(b);
    bIds.grant = grants[0]!.id;
    for (const id of Object.values(bIds)) expect(id).toEqual(expect.any(String));
    secrets.push('Beta Secret Corp', 'beta-secret', 'B secret plan', 'b-body', 'b-secret-role');
    secrets.push('carol-b@example.com', 'dave-b@example.com', 'erin-b@example.com');
  });

  function cases(): Case[] {
    const tb = `/tenants/${b}`;
    const ta = `/tenants/${a}`;
    return [
      // B's tenant, through every tenant route.
      { route: 'GET /tenants/:tenantId', path: tb },
      { route: 'PATCH /tenants/:tenantId', path: tb, body: { name: 'pwned' } },
      { route: 'DELETE /tenants/:tenantId', path: tb },
      { route: 'GET /tenants/:tenantId/members', path: `${tb}/members` },
      {
        route: 'PATCH /tenants/:tenantId/members/:userId',
        path: `${tb}/members/${dave.id}`,
        body: { role: 'viewer' },
      },
      { route: 'DELETE /tenants/:tenantId/members/:userId', path: `${tb}/members/${dave.id}` },
      { route: 'POST /tenants/:tenantId/leave', path: `${tb}/leave` },
      { route: 'POST /tenants/:tenantId/transfer', path: `${tb}/transfer`, body: { user_id: alice.id } },
      {
        route: 'POST /tenants/:tenantId/invitations',
        path: `${tb}/invitations`,
        body: { email: 'x@example.com' },
      },
      { route: 'GET /tenants/:tenantId/invitations', path: `${tb}/invitations` },
      {
        route: 'DELETE /tenants/:tenantId/invitations/:invitationId',
        path: `${tb}/invitations/${bIds.invitation}`,
      },
      { route: 'GET /tenants/:tenantId/roles', path: `${tb}/roles` },
      { route: 'POST /tenants/:tenantId/roles', path: `${tb}/roles`, body: { name: 'x', permissions: [] } },
      { route: 'GET /tenants/:tenantId/roles/:roleId', path: `${tb}/roles/${bIds.role}` },
      {
        route: 'PATCH /tenants/:tenantId/roles/:roleId',
        path: `${tb}/roles/${bIds.role}`,
        body: { permissions: [] },
      },
      { route: 'DELETE /tenants/:tenantId/roles/:roleId', path: `${tb}/roles/${bIds.role}` },
      { route: 'GET /tenants/:tenantId/grants', path: `${tb}/grants` },
      { route: 'DELETE /tenants/:tenantId/grants/:grantId', path: `${tb}/grants/${bIds.grant}` },
      { route: 'GET /tenants/:tenantId/notes', path: `${tb}/notes` },
      { route: 'POST /tenants/:tenantId/notes', path: `${tb}/notes`, body: { title: 'x' } },
      { route: 'GET /tenants/:tenantId/notes/:id', path: `${tb}/notes/${bIds.note}` },
      { route: 'PATCH /tenants/:tenantId/notes/:id', path: `${tb}/notes/${bIds.note}`, body: { title: 'x' } },
      { route: 'DELETE /tenants/:tenantId/notes/:id', path: `${tb}/notes/${bIds.note}` },
      // A's tenant (where alice holds everything) with B's object ids.
      {
        route: 'PATCH /tenants/:tenantId/members/:userId',
        path: `${ta}/members/${dave.id}`,
        body: { role: 'viewer' },
      },
      { route: 'DELETE /tenants/:tenantId/members/:userId', path: `${ta}/members/${dave.id}` },
      { route: 'POST /tenants/:tenantId/transfer', path: `${ta}/transfer`, body: { user_id: dave.id } },
      {
        route: 'DELETE /tenants/:tenantId/invitations/:invitationId',
        path: `${ta}/invitations/${bIds.invitation}`,
      },
      { route: 'GET /tenants/:tenantId/roles/:roleId', path: `${ta}/roles/${bIds.role}` },
      {
        route: 'PATCH /tenants/:tenantId/roles/:roleId',
        path: `${ta}/roles/${bIds.role}`,
        body: { permissions: [] },
      },
      { route: 'DELETE /tenants/:tenantId/roles/:roleId', path: `${ta}/roles/${bIds.role}` },
      { route: 'DELETE /tenants/:tenantId/grants/:grantId', path: `${ta}/grants/${bIds.grant}` },
      { route: 'GET /tenants/:tenantId/notes/:id', path: `${ta}/notes/${bIds.note}` },
      { route: 'PATCH /tenants/:tenantId/notes/:id', path: `${ta}/notes/${bIds.note}`, body: { title: 'x' } },
      { route: 'DELETE /tenants/:tenantId/notes/:id', path: `${ta}/notes/${bIds.note}` },
      // A role of A may not inherit B's role, nor may an invitation name it.
      {
        route: 'POST /tenants/:tenantId/roles',
        path: `${ta}/roles`,
        body: { name: 'sneaky', permissions: [], inherits: [bIds.role] },
        statuses: [400, 403, 404],
      },
      {
        route: 'POST /tenants/:tenantId/invitations',
        path: `${ta}/invitations`,
        body: { email: 'x@example.com', role: 'b-secret-role' },
        statuses: [400, 403, 404],
      },
      // Another user's session, and the system endpoints (alice is no system admin).
      { route: 'DELETE /auth/sessions/:id', path: `/auth/sessions/${bIds.session}`, via: 'cookie' },
      { route: 'GET /admin/api/users/:id', path: `/admin/api/users/${carol.id}` },
      { route: 'POST /admin/api/users/:id/disable', path: `/admin/api/users/${carol.id}/disable` },
      { route: 'POST /admin/api/users/:id/enable', path: `/admin/api/users/${carol.id}/enable` },
      {
        route: 'POST /admin/api/users/:id/sessions/revoke',
        path: `/admin/api/users/${carol.id}/sessions/revoke`,
      },
      { route: 'POST /admin/api/users/:id/mfa/reset', path: `/admin/api/users/${carol.id}/mfa/reset` },
      { route: 'POST /admin/api/users/:id/unlock', path: `/admin/api/users/${carol.id}/unlock` },
      { route: 'GET /admin/api/roles/:roleId', path: `/admin/api/roles/${bIds.role}` },
      {
        route: 'PATCH /admin/api/roles/:roleId',
        path: `/admin/api/roles/${bIds.role}`,
        body: { permissions: ['*'] },
      },
      { route: 'DELETE /admin/api/roles/:roleId', path: `/admin/api/roles/${bIds.role}` },
      { route: 'GET /admin/api/roles', path: `/admin/api/roles?scope=tenant&tenant_id=${b}` },
      { route: 'GET /admin/api/grants/:grantId', path: `/admin/api/grants/${bIds.grant}` },
      { route: 'DELETE /admin/api/grants/:grantId', path: `/admin/api/grants/${bIds.grant}` },
      { route: 'GET /admin/api/grants', path: `/admin/api/grants?tenant_id=${b}` },
      {
        route: 'POST /admin/api/grants',
        path: '/admin/api/grants',
        body: { subject: { type: 'user', id: alice.id }, role_id: bIds.role, tenant_id: b },
      },
      {
        route: 'POST /admin/api/access/check',
        path: '/admin/api/access/check',
        body: { subject: `user:${carol.id}`, permission: 'notes:read', tenant: b },
      },
      { route: 'POST /auth/tenant', path: '/auth/tenant', body: { tenant_id: b } },
    ];
  }

  /** Routes that take no tenant and no object id of someone else's (checked against the route table). */
  const NOT_ID_BEARING = new Set([
    'POST /tenants', // creates a new tenant of the caller's own
    'GET /tenants', // lists the caller's own tenants
    'GET /admin/api/users', // system list, covered by the permission walk in test/sessions/admin.test.ts
    'POST /admin/api/roles', // creates; refusal for non-admins is covered by roles-admin.test.ts
    'POST /admin/api/keys/rotate', // no id
    'GET /admin/api/log-levels', // no id; the permission walk is in packages/server/test/logs/log-levels.test.ts
    'PUT /admin/api/log-levels/:module', // a module's name, not a tenant's object; same test
    'GET /invitations/accept', // a form page; the token it carries is posted to POST /invitations/accept
  ]);

  it('walks every id-bearing route with B’s ids and gets 403/404 with nothing of B', async () => {
    const t = target();
    const walked = new Set<string>();
    for (const entry of cases()) {
      const [method] = entry.route.split(' ');
      const reply: Reply = await t.call(alice, method!, entry.path, entry.body, entry.via ?? 'bearer');
      walked.add(entry.route);
      const allowed = entry.statuses ?? PASSES;
      expect(allowed, `${entry.route} → ${entry.path}: ${reply.status} ${reply.text}`).toContain(
        reply.status,
      );
      // A refusal for the right reason, not a CSRF or parse error that happens to be 403/400.
      expect(reply.body?.code, `${entry.route}: ${reply.text}`).toMatch(
        /^LIFT_(PERMISSION_DENIED|NOT_TENANT_MEMBER|NOT_FOUND|VALIDATION_FAILED|ROLE_INVALID|GRANT_INVALID)$/,
      );
      const requested = `${entry.path} ${JSON.stringify(entry.body ?? {})}`;
      for (const secret of secrets)
        expect(reply.text, `${entry.route} leaks "${secret}"`).not.toContain(secret);
      for (const [name, id] of Object.entries(bIds)) {
        if (!requested.includes(id))
          expect(reply.text, `${entry.route} leaks B's ${name} id`).not.toContain(id);
      }
    }

    const table = t.app.hono.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path}`);
    const idBearing = table.filter(
      (route) =>
        (route.includes('/:') || /^(GET|POST|PATCH|DELETE) \/(tenants|invitations|admin)/.test(route)) &&
        !NOT_ID_BEARING.has(route),
    );
    // The invitation token routes have tests of their own below.
    const tokenRoutes = new Set(['POST /invitations/accept', 'POST /invitations/signup']);
    const missing = idBearing.filter((route) => !walked.has(route) && !tokenRoutes.has(route));
    expect(missing, 'routes with ids this walk does not cover yet').toEqual([]);
  });

  it('refuses B’s invitation to anyone but the invitee, with the one invalid-invitation answer', async () => {
    const t = target();
    // A second invitation to B's invitee, so its token is at hand (the first one's only copy went by mail).
    const { token, invitation } = await t.app.access.invitations.issue({
      tenantId: b,
      email: 'erin-b@example.com',
      invitedBy: carol.id,
    });
    const reply = await t.call(alice, 'POST', '/invitations/accept', { token }, 'bearer');
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('LIFT_INVITATION_INVALID');
    for (const secret of secrets) expect(reply.text).not.toContain(secret);
    expect(await t.app.access.memberships.isMember(b, alice.id)).toBe(false);
    expect(await t.app.access.invitations.revoke(b, invitation.id)).toBe(true);
  });

  it('lets a token of B sign up only its invited address, and answers nothing of B', async () => {
    const t = target();
    const guessed = await t.call(
      alice,
      'POST',
      '/invitations/signup',
      { token: 'x'.repeat(43), password: 'x' },
      'bearer',
    );
    expect(guessed.status).toBe(400);
    expect(guessed.body.code).toBe('LIFT_INVITATION_INVALID');
    const { token, invitation } = await t.app.access.invitations.issue({
      tenantId: b,
      email: 'frank-b@example.com',
      invitedBy: carol.id,
    });
    const reply = await t.call(
      alice,
      'POST',
      '/invitations/signup',
      { token, password: 'violet kettle marching 1887', email: 'alice-takes-it@example.com' },
      'bearer',
    );
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ status: 'verification_sent' });
    for (const secret of secrets) expect(reply.text).not.toContain(secret);
    for (const id of Object.values(bIds)) expect(reply.text).not.toContain(id);
    expect(await t.app.access.memberships.isMember(b, alice.id)).toBe(false);
    expect(await t.app.identity.users.findByEmail('alice-takes-it@example.com')).toBeNull();
    expect(await t.app.access.invitations.revoke(b, invitation.id)).toBe(true);
  });

  it('leaves B as it was', async () => {
    const t = target();
    const tenant = await t.app.access.tenants.get(b);
    expect(tenant?.name).toBe('Beta Secret Corp');
    expect(await t.app.access.memberships.isMember(b, dave.id)).toBe(true);
    expect(await t.app.access.memberships.isMember(b, alice.id)).toBe(false);
    const note = await t.call(carol, 'GET', `/tenants/${b}/notes/${bIds.note}`, undefined, 'bearer');
    expect(note).toMatchObject({ status: 200, body: { title: 'B secret plan' } });
    const roles = await t.app.access.roles.list({ scope: 'tenant', tenantId: b });
    expect(roles.map((role) => role.name)).toContain('b-secret-role');
    expect((await t.app.access.invitations.listPending(b)).map((invitation) => invitation.id)).toEqual([
      bIds.invitation,
    ]);
    expect((await t.call(carol, 'GET', '/auth/sessions')).status).toBe(200);
    // And alice's own tenant still works for her: the refusals above were about B, not a broken app.
    expect((await t.call(alice, 'GET', `/tenants/${a}`, undefined, 'bearer')).status).toBe(200);
    expect((await t.call(alice, 'GET', `/tenants/${a}/members`, undefined, 'bearer')).status).toBe(200);
  });
});
