import { beforeAll, describe, expect, it } from 'vitest';
import { eachDialect, type NotesUser, type Reply } from './notes-harness.ts';

/**
 * The reference app's notes under access control (issue 5): `viewer` reads, `member` creates and edits its
 * own, `admin` and `owner` edit all, and nobody reaches another tenant's notes. Over HTTP (app.fetch), by
 * session cookie and by bearer token.
 */

const forbidden = (reply: Reply, permission: string) => {
  expect(reply.status, reply.text).toBe(403);
  expect(reply.body).toMatchObject({ code: 'LIFT_PERMISSION_DENIED' });
  expect(reply.body.detail).toContain(permission);
};

eachDialect('guarded notes', (target) => {
  let owner: NotesUser;
  let admin: NotesUser;
  let member: NotesUser;
  let otherMember: NotesUser;
  let viewer: NotesUser;
  let outsider: NotesUser;
  let acme = '';
  let globex = '';
  const notesOf = (tenantId: string) => `/tenants/${tenantId}/notes`;
  const noteOf = (tenantId: string, id: string) => `${notesOf(tenantId)}/${id}`;

  beforeAll(async () => {
    const t = target();
    owner = await t.user('owner@notes.example');
    admin = await t.user('admin@notes.example');
    member = await t.user('member@notes.example');
    otherMember = await t.user('other-member@notes.example');
    viewer = await t.user('viewer@notes.example');
    outsider = await t.user('outsider@notes.example');
    acme = await t.tenant('acme', owner);
    await t.join(acme, admin, 'admin');
    await t.join(acme, member, 'member');
    await t.join(acme, otherMember, 'member');
    await t.join(acme, viewer, 'viewer');
    // The outsider owns another tenant: a member of B, nothing in A.
    globex = await t.tenant('globex', outsider);
  });

  const create = async (user: NotesUser, title: string, via: 'cookie' | 'bearer' = 'cookie') => {
    const reply = await target().call(user, 'POST', notesOf(acme), { title, body: 'text' }, via);
    expect(reply.status, reply.text).toBe(201);
    return reply.body as { id: string; author_id: string | null; title: string };
  };

  describe.each(['cookie', 'bearer'] as const)('by %s', (via) => {
    it('lets a viewer list and read, but not create, edit or delete', async () => {
      const note = await create(owner, `Owner's note (${via})`);
      const list = await target().call(viewer, 'GET', notesOf(acme), undefined, via);
      expect(list.status).toBe(200);
      expect(list.body.items.map((item: { id: string }) => item.id)).toContain(note.id);
      expect((await target().call(viewer, 'GET', noteOf(acme, note.id), undefined, via)).body.title).toBe(
        note.title,
      );
      forbidden(await target().call(viewer, 'POST', notesOf(acme), { title: 'nope' }, via), 'notes:create');
      forbidden(
        await target().call(viewer, 'PATCH', noteOf(acme, note.id), { title: 'x' }, via),
        'notes:update',
      );
      forbidden(await target().call(viewer, 'DELETE', noteOf(acme, note.id), undefined, via), 'notes:delete');
      expect((await target().call(owner, 'GET', noteOf(acme, note.id))).body.title).toBe(note.title);
    });

    it('lets a member create notes and edit and delete its own, not another member’s', async () => {
      const mine = await create(member, `Mine (${via})`, via);
      expect(mine.author_id).toBe(member.id);
      const edited = await target().call(member, 'PATCH', noteOf(acme, mine.id), { body: 'edited' }, via);
      expect(edited).toMatchObject({ status: 200, body: { body: 'edited', author_id: member.id } });

      const theirs = await create(otherMember, `Theirs (${via})`);
      forbidden(
        await target().call(member, 'PATCH', noteOf(acme, theirs.id), { title: 'mine now' }, via),
        'notes:update',
      );
      forbidden(
        await target().call(member, 'DELETE', noteOf(acme, theirs.id), undefined, via),
        'notes:delete',
      );
      expect((await target().call(otherMember, 'GET', noteOf(acme, theirs.id))).body.title).toBe(
        theirs.title,
      );

      expect((await target().call(member, 'DELETE', noteOf(acme, mine.id), undefined, via)).status).toBe(204);
      expect((await target().call(member, 'GET', noteOf(acme, mine.id), undefined, via)).status).toBe(404);
    });

    it('lets an admin and the owner edit and delete every note', async () => {
      for (const editor of [admin, owner]) {
        const note = await create(member, `For the ${editor === admin ? 'admin' : 'owner'} (${via})`);
        const edited = await target().call(editor, 'PATCH', noteOf(acme, note.id), { title: 'Tidied' }, via);
        expect(edited).toMatchObject({ status: 200, body: { title: 'Tidied', author_id: member.id } });
        expect((await target().call(editor, 'DELETE', noteOf(acme, note.id), undefined, via)).status).toBe(
          204,
        );
      }
    });
  });

  it('treats a note without an author as nobody’s own', async () => {
    const db = target().app.storage.sql.db.withTables<{ notes: Record<string, string | null> }>();
    const now = new Date().toISOString();
    await db
      .insertInto('notes')
      .values({
        id: 'legacy-note',
        tenant_id: acme,
        author_id: null,
        title: 'Old',
        body: '',
        created_at: now,
        updated_at: now,
      })
      .execute();
    forbidden(
      await target().call(member, 'PATCH', noteOf(acme, 'legacy-note'), { title: 'x' }),
      'notes:update',
    );
    expect((await target().call(admin, 'PATCH', noteOf(acme, 'legacy-note'), { title: 'Kept' })).status).toBe(
      200,
    );
  });

  it('records every refusal as access.denied with the permission and the tenant', async () => {
    const t = target();
    const note = await create(otherMember, 'Audited');
    const before = t.events.length;
    await t.call(member, 'DELETE', noteOf(acme, note.id));
    await t.call(viewer, 'POST', notesOf(acme), { title: 'x' });
    const denied = t.events.slice(before).filter((event) => event.type === 'access.denied');
    expect(denied).toEqual([
      expect.objectContaining({
        actor: member.id,
        data: expect.objectContaining({ permission: 'notes:delete', tenantId: acme }),
      }),
      expect.objectContaining({
        actor: viewer.id,
        data: expect.objectContaining({ permission: 'notes:create', tenantId: acme }),
      }),
    ]);
  });

  it("keeps tenant B's notes from a member of tenant A, whether or not they exist", async () => {
    const t = target();
    const secret = await t.call(outsider, 'POST', notesOf(globex), {
      title: 'Globex secret',
      body: 'launch codes',
    });
    expect(secret.status).toBe(201);
    const id = secret.body.id as string;
    const leaks = (reply: Reply) =>
      reply.text.includes('Globex secret') || reply.text.includes('launch codes');

    for (const via of ['cookie', 'bearer'] as const) {
      // Through B's path: refused before anything is looked up, naming only notes:read.
      const attempts = [
        await t.call(member, 'GET', notesOf(globex), undefined, via),
        await t.call(member, 'GET', noteOf(globex, id), undefined, via),
        await t.call(member, 'POST', notesOf(globex), { title: 'planted' }, via),
        await t.call(member, 'PATCH', noteOf(globex, id), { title: 'defaced' }, via),
        await t.call(member, 'DELETE', noteOf(globex, id), undefined, via),
      ];
      for (const reply of attempts) {
        forbidden(reply, 'notes:read');
        expect(leaks(reply)).toBe(false);
      }
      // Through A's path, B's note id is no note at all.
      for (const [method, body] of [['GET'], ['PATCH', { title: 'defaced' }], ['DELETE']] as const) {
        const reply = await t.call(member, method, noteOf(acme, id), body, via);
        expect(reply.status).toBe(404);
        expect(leaks(reply)).toBe(false);
      }
      const list = await t.call(member, 'GET', `${notesOf(acme)}?limit=100`, undefined, via);
      expect(list.status).toBe(200);
      expect(leaks(list)).toBe(false);
    }

    // No enumeration: an existing tenant and note, and made-up ones, get the same answer.
    const shape = (reply: Reply) => ({
      status: reply.status,
      code: reply.body.code,
      detail: reply.body.detail,
    });
    expect(shape(await t.call(member, 'GET', noteOf('no-such-tenant', 'no-such-note')))).toEqual(
      shape(await t.call(member, 'GET', noteOf(globex, id))),
    );
    expect(shape(await t.call(member, 'PATCH', noteOf(globex, 'no-such-note'), { title: 'x' }))).toEqual(
      shape(await t.call(member, 'PATCH', noteOf(globex, id), { title: 'x' })),
    );
    expect((await t.call(outsider, 'GET', noteOf(globex, id))).body).toMatchObject({
      title: 'Globex secret',
    });
  });

  it('lets a member that loses its role lose its access at once', async () => {
    const t = target();
    const leaver = await t.user('leaver@notes.example');
    await t.join(acme, leaver, 'member');
    expect((await t.call(leaver, 'POST', notesOf(acme), { title: 'before' }, 'bearer')).status).toBe(201);
    const roles = await t.app.access.roles.list({ scope: 'tenant', tenantId: acme });
    const memberRole = roles.find((role) => role.name === 'member')!;
    const subject = { type: 'user' as const, id: leaver.id };
    await t.app.access.grants.remove({ subject, roleId: memberRole.id, tenantId: acme });
    await t.app.access.control.changed({ kind: 'grant', tenantId: acme, subjects: [subject] });
    forbidden(await t.call(leaver, 'POST', notesOf(acme), { title: 'after' }, 'bearer'), 'notes:read');
  });
});
