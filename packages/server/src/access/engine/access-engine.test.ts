import { describe, expect, it } from 'vitest';
import { AccessEngine } from './access-engine.ts';
import type { RoleDefinition } from './role-graph.ts';

const ROLES: RoleDefinition[] = [
  { id: 'viewer', permissions: ['notes:read'] },
  { id: 'author', permissions: ['notes:create', 'notes:update:own', 'comments:*:own'], inherits: ['viewer'] },
  { id: 'editor', permissions: ['notes:*'], inherits: ['viewer'] },
  { id: 'billing', permissions: ['invoices:read'], inherits: ['viewer'] },
  { id: 'owner', permissions: ['members:invite'], inherits: ['editor', 'billing'] },
  { id: 'superadmin', permissions: ['*'] },
];

function engine(): AccessEngine {
  return new AccessEngine({
    roles: ROLES,
    grants: [
      { subject: 'alice', role: 'author', tenantId: 'acme' },
      { subject: 'bob', role: 'owner', tenantId: 'acme' },
      { subject: 'carol', role: 'viewer', tenantId: 'globex' },
      { subject: 'root', role: 'superadmin', tenantId: null },
    ],
  });
}

describe('AccessEngine.can: matching', () => {
  it.each([
    ['exact', 'alice', 'notes:create', 'acme', true],
    ['inherited exact', 'alice', 'notes:read', 'acme', true],
    ['resource wildcard', 'bob', 'notes:delete', 'acme', true],
    ['resource wildcard does not reach another resource', 'bob', 'comments:delete', 'acme', false],
    ['global *', 'root', 'anything:at-all', 'acme', true],
    ['global * outside any tenant', 'root', 'tenants:create', null, true],
    [':own is not an unconditional grant', 'alice', 'notes:update', 'acme', false],
    ['no matching permission', 'alice', 'members:invite', 'acme', false],
    ['tenant grant does not apply in another tenant', 'alice', 'notes:read', 'globex', false],
    ['tenant grant does not apply outside tenants', 'alice', 'notes:read', null, false],
    ['unknown subject', 'mallory', 'notes:read', 'acme', false],
  ] as const)('%s', (_, subject, permission, tenant, expected) => {
    expect(engine().can(subject, permission, tenant)).toBe(expected);
  });

  it.each(['notes:*', '*', 'notes:update:own', 'Notes:read', 'notes'])(
    'refuses the malformed check %j',
    (p) => {
      expect(() => engine().can('alice', p, 'acme')).toThrow(
        expect.objectContaining({ code: 'LIFT_PERMISSION_INVALID' }),
      );
    },
  );

  it('refuses a role with a malformed permission and keeps the previous definition', () => {
    const access = engine();
    expect(() => access.upsertRole({ id: 'viewer', permissions: ['notes:read', 'notes:READ'] })).toThrow(
      expect.objectContaining({ code: 'LIFT_PERMISSION_INVALID' }),
    );
    expect(access.can('carol', 'notes:read', 'globex')).toBe(true);
  });
});

describe('AccessEngine.authorize: objects', () => {
  const note = (ownerId: string | null, tenantId: string | null = 'acme') => ({ ownerId, tenantId });

  it('allows an :own permission only on objects the subject owns', () => {
    const access = engine();
    expect(access.authorize('alice', 'notes:update', note('alice'))).toBe(true);
    expect(access.authorize('alice', 'notes:update', note('bob'))).toBe(false);
    expect(access.authorize('alice', 'notes:update', note(null))).toBe(false);
    expect(access.authorize('alice', 'notes:update', {})).toBe(false);
  });

  it('applies `resource:*:own` to every action on owned objects', () => {
    const access = engine();
    expect(access.authorize('alice', 'comments:delete', note('alice'))).toBe(true);
    expect(access.authorize('alice', 'comments:delete', note('bob'))).toBe(false);
  });

  it('lets a plain permission act on any object in the tenant', () => {
    const access = engine();
    expect(access.authorize('bob', 'notes:update', note('alice'))).toBe(true);
    expect(access.authorize('alice', 'notes:read', note('bob'))).toBe(true);
  });

  it("decides in the object's tenant, and refuses when the request's tenant differs", () => {
    const access = engine();
    expect(access.authorize('alice', 'notes:update', note('alice', 'globex'))).toBe(false);
    expect(access.authorize('bob', 'notes:update', note('alice'), 'acme')).toBe(true);
    expect(access.authorize('bob', 'notes:update', note('alice'), 'globex')).toBe(false);
    expect(access.authorize('root', 'notes:update', note('alice'), 'globex')).toBe(false);
    expect(access.authorize('root', 'notes:update', note('alice', 'globex'))).toBe(true);
  });
});

describe('AccessEngine: inheritance', () => {
  it('follows a 10-deep chain', () => {
    const roles = Array.from({ length: 10 }, (_, i) => ({
      id: `level${i}`,
      permissions: [`res${i}:read`],
      inherits: i < 9 ? [`level${i + 1}`] : [],
    }));
    const access = new AccessEngine({ roles, grants: [{ subject: 'u', role: 'level0', tenantId: 't' }] });
    for (let i = 0; i < 10; i++) expect(access.can('u', `res${i}:read`, 't')).toBe(true);
    expect(access.effectivePermissions('u', 't').size).toBe(10);
    const mid = new AccessEngine({ roles, grants: [{ subject: 'u', role: 'level5', tenantId: 't' }] });
    expect(mid.can('u', 'res4:read', 't')).toBe(false);
    expect(mid.can('u', 'res9:read', 't')).toBe(true);
  });

  it('collects a diamond once', () => {
    const access = engine();
    expect([...access.effectivePermissions('bob', 'acme')].sort()).toEqual([
      'invoices:read',
      'members:invite',
      'notes:*',
      'notes:read',
    ]);
  });

  it('refuses a cycle naming the path, and keeps deciding with the old roles', () => {
    const access = engine();
    expect(() =>
      access.upsertRole({ id: 'viewer', permissions: ['notes:read'], inherits: ['owner'] }),
    ).toThrow(
      expect.objectContaining({
        code: 'LIFT_ROLE_CYCLE',
        message: expect.stringMatching(
          /^Role inheritance would form a cycle: viewer → owner → (editor|billing) → viewer\.$/,
        ),
      }),
    );
    expect(access.can('carol', 'notes:read', 'globex')).toBe(true);
    expect(access.can('carol', 'members:invite', 'globex')).toBe(false);
  });

  it('treats grants and inherits naming unknown roles as granting nothing until the role exists', () => {
    const access = new AccessEngine({
      roles: [{ id: 'member', permissions: ['notes:read'], inherits: ['later'] }],
      grants: [
        { subject: 'dan', role: 'member', tenantId: 't' },
        { subject: 'erin', role: 'ghost', tenantId: 't' },
      ],
    });
    expect(access.can('dan', 'files:read', 't')).toBe(false);
    expect(access.can('erin', 'notes:read', 't')).toBe(false);
    access.upsertRole({ id: 'later', permissions: ['files:read'] });
    access.upsertRole({ id: 'ghost', permissions: ['notes:read'] });
    expect(access.can('dan', 'files:read', 't')).toBe(true);
    expect(access.can('erin', 'notes:read', 't')).toBe(true);
  });
});

describe('AccessEngine: grants and scopes', () => {
  it('applies a global grant in every tenant and outside tenants', () => {
    const access = new AccessEngine({ roles: ROLES });
    access.addGrant({ subject: 'ops', role: 'viewer', tenantId: null });
    expect(access.can('ops', 'notes:read', 'acme')).toBe(true);
    expect(access.can('ops', 'notes:read', 'globex')).toBe(true);
    expect(access.can('ops', 'notes:read')).toBe(true);
  });

  it('adds global and tenant grants together', () => {
    const access = new AccessEngine({ roles: ROLES });
    access.addGrant({ subject: 'ops', role: 'viewer', tenantId: null });
    access.addGrant({ subject: 'ops', role: 'billing', tenantId: 'acme' });
    expect(access.can('ops', 'invoices:read', 'acme')).toBe(true);
    expect(access.can('ops', 'invoices:read', 'globex')).toBe(false);
  });

  it('refuses a grant without an explicit scope rather than making it global', () => {
    const access = new AccessEngine({ roles: ROLES });
    const grant = { subject: 'ops', role: 'superadmin' } as unknown as {
      subject: string;
      role: string;
      tenantId: null;
    };
    expect(() => access.addGrant(grant)).toThrow(expect.objectContaining({ code: 'LIFT_GRANT_INVALID' }));
    expect(() => access.addGrant({ subject: '', role: 'viewer', tenantId: null })).toThrow(
      expect.objectContaining({ code: 'LIFT_GRANT_INVALID' }),
    );
    expect(access.can('ops', 'notes:read')).toBe(false);
  });
});

describe('AccessEngine: cache invalidation', () => {
  /** Warms alice@acme, bob@acme, carol@globex, root@acme, root@globex: five entries. */
  function warmed(): AccessEngine {
    const access = engine();
    access.can('alice', 'notes:read', 'acme');
    access.can('bob', 'notes:read', 'acme');
    access.can('carol', 'notes:read', 'globex');
    access.can('root', 'notes:read', 'acme');
    access.can('root', 'notes:read', 'globex');
    expect(access.cacheStats()).toEqual({ computed: 5, invalidated: 0, entries: 5 });
    return access;
  }

  it('computes each (subject, tenant) once', () => {
    const access = warmed();
    for (let i = 0; i < 10; i++) access.can('alice', 'notes:create', 'acme');
    expect(access.cacheStats().computed).toBe(5);
  });

  it('does not cache subjects without grants', () => {
    const access = warmed();
    access.can('mallory', 'notes:read', 'acme');
    expect(access.cacheStats().entries).toBe(5);
  });

  it('a tenant grant drops only that subject in that tenant', () => {
    const access = warmed();
    access.addGrant({ subject: 'alice', role: 'billing', tenantId: 'acme' });
    expect(access.cacheStats()).toMatchObject({ invalidated: 1, entries: 4 });
    expect(access.can('alice', 'invoices:read', 'acme')).toBe(true);
    access.addGrant({ subject: 'alice', role: 'viewer', tenantId: 'globex' });
    expect(access.cacheStats()).toMatchObject({ invalidated: 1, entries: 5 });
    expect(access.can('alice', 'notes:read', 'globex')).toBe(true);
    access.can('bob', 'notes:read', 'acme');
    access.can('root', 'notes:read', 'acme');
    expect(access.cacheStats().computed).toBe(7);
  });

  it('a global grant drops every entry of that subject and nothing else', () => {
    const access = warmed();
    access.removeGrant({ subject: 'root', role: 'superadmin', tenantId: null });
    expect(access.cacheStats()).toMatchObject({ invalidated: 2, entries: 3 });
    expect(access.can('root', 'notes:read', 'acme')).toBe(false);
  });

  it('a removed grant is no longer honoured; removing or adding one twice drops nothing more', () => {
    const access = warmed();
    access.removeGrant({ subject: 'alice', role: 'author', tenantId: 'acme' });
    access.removeGrant({ subject: 'alice', role: 'author', tenantId: 'acme' });
    expect(access.can('alice', 'notes:read', 'acme')).toBe(false);
    access.addGrant({ subject: 'bob', role: 'owner', tenantId: 'acme' });
    expect(access.cacheStats()).toMatchObject({ invalidated: 1 });
  });

  it("a role's permission change drops its holders, direct and through inheritance", () => {
    const access = warmed();
    access.upsertRole({
      id: 'billing',
      permissions: ['invoices:read', 'invoices:pay'],
      inherits: ['viewer'],
    });
    // bob holds owner, which inherits billing; alice (author), carol (viewer) and root are untouched.
    expect(access.cacheStats()).toMatchObject({ invalidated: 1, entries: 4 });
    expect(access.can('bob', 'invoices:pay', 'acme')).toBe(true);
    access.can('alice', 'notes:read', 'acme');
    access.can('carol', 'notes:read', 'globex');
    expect(access.cacheStats().computed).toBe(6);
  });

  it('an inherited role changed deep down drops every subject above it', () => {
    const access = warmed();
    access.upsertRole({ id: 'viewer', permissions: ['notes:read', 'notes:export'] });
    // alice (author → viewer), bob (owner → editor/billing → viewer), carol (viewer); root does not inherit it.
    expect(access.cacheStats()).toMatchObject({ invalidated: 3, entries: 2 });
    expect(access.can('alice', 'notes:export', 'acme')).toBe(true);
    expect(access.can('bob', 'notes:export', 'acme')).toBe(true);
    expect(access.can('carol', 'notes:export', 'globex')).toBe(true);
  });

  it('an inheritance edge removed takes the permissions away', () => {
    const access = warmed();
    access.upsertRole({ id: 'owner', permissions: ['members:invite'], inherits: ['billing'] });
    expect(access.cacheStats()).toMatchObject({ invalidated: 1 });
    expect(access.can('bob', 'notes:delete', 'acme')).toBe(false);
    expect(access.can('bob', 'notes:read', 'acme')).toBe(true);
  });

  it('an unchanged upsert (same members, another order) drops nothing', () => {
    const access = warmed();
    access.upsertRole({
      id: 'author',
      permissions: ['comments:*:own', 'notes:update:own', 'notes:create'],
      inherits: ['viewer'],
    });
    expect(access.cacheStats()).toMatchObject({ invalidated: 0, entries: 5 });
  });

  it('removing a role drops its holders and denies what it gave', () => {
    const access = warmed();
    access.removeRole('editor');
    expect(access.cacheStats()).toMatchObject({ invalidated: 1 });
    expect(access.can('bob', 'notes:delete', 'acme')).toBe(false);
    expect(access.can('bob', 'invoices:read', 'acme')).toBe(true);
  });

  it('setRoles drops only the holders of roles that changed', () => {
    const access = warmed();
    access.setRoles(
      ROLES.map((role) => (role.id === 'superadmin' ? { ...role, permissions: ['tenants:*'] } : role)),
    );
    expect(access.cacheStats()).toMatchObject({ invalidated: 2, entries: 3 });
    expect(access.can('root', 'notes:read', 'acme')).toBe(false);
    expect(access.can('root', 'tenants:create', 'acme')).toBe(true);
  });

  it('invalidate() drops what a broker event names', () => {
    const access = warmed();
    access.invalidate('root', 'acme');
    expect(access.cacheStats()).toMatchObject({ invalidated: 1, entries: 4 });
    access.invalidate(undefined, 'acme');
    expect(access.cacheStats()).toMatchObject({ invalidated: 3, entries: 2 });
    access.invalidate('root');
    expect(access.cacheStats()).toMatchObject({ invalidated: 4, entries: 1 });
    access.invalidate();
    expect(access.cacheStats()).toMatchObject({ invalidated: 5, entries: 0 });
  });
});

describe('AccessEngine.explain', () => {
  it('names the grant, each inherited role and the matching permission', () => {
    expect(engine().explain('bob', 'notes:read', 'acme')).toEqual({
      allowed: true,
      via: ['grant: bob as owner in tenant acme', 'role: owner', 'role: editor', 'permission: notes:*'],
    });
    expect(engine().explain('alice', 'notes:read', 'acme')).toEqual({
      allowed: true,
      via: [
        'grant: alice as author in tenant acme',
        'role: author',
        'role: viewer',
        'permission: notes:read',
      ],
    });
  });

  it('names a global grant as global', () => {
    expect(engine().explain('root', 'notes:read', 'acme').via).toEqual([
      'grant: root as superadmin (global)',
      'role: superadmin',
      'permission: *',
    ]);
  });

  it('agrees with can() when denied, :own included', () => {
    const access = engine();
    expect(access.explain('alice', 'notes:update', 'acme')).toEqual({ allowed: false, via: [] });
    expect(access.explain('alice', 'notes:read', 'globex')).toEqual({ allowed: false, via: [] });
  });
});
