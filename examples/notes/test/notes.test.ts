import { beforeAll, expect, it } from 'vitest';
import { eachDialect, type NotesUser } from './notes-harness.ts';

/** The reference app's notes API, end to end through app.fetch, as the owner of its tenants. */

eachDialect('notes', (target) => {
  let owner: NotesUser;
  let acme = '';
  let globex = '';
  const notesOf = (tenantId: string) => `/tenants/${tenantId}/notes`;

  beforeAll(async () => {
    owner = await target().user('notes-owner@example.com');
    acme = await target().tenant('acme', owner);
    globex = await target().tenant('globex', owner);
  });

  it('says hello', async () => {
    expect(await target().call(null, 'GET', '/hello')).toMatchObject({
      status: 200,
      body: { hello: 'world' },
    });
  });

  it('tells an authenticated caller who it is, and refuses anonymous callers on /me and the notes', async () => {
    expect(await target().call(owner, 'GET', '/me')).toMatchObject({
      status: 200,
      body: { id: owner.id, type: 'user', auth_method: 'session', amr: ['pwd'], fresh: true },
    });
    const anonymous = await target().call(null, 'GET', '/me');
    expect(anonymous).toMatchObject({ status: 401, body: { code: 'LIFT_UNAUTHENTICATED' } });
    expect((await target().call(null, 'GET', notesOf(acme))).status).toBe(401);
    expect((await target().call(null, 'POST', notesOf(acme), { title: 'x' })).status).toBe(401);
  });

  it('accepts a bearer access token wherever it accepts the session', async () => {
    const me = await target().call(owner, 'GET', '/me', undefined, 'bearer');
    expect(me).toMatchObject({ status: 200, body: { id: owner.id, auth_method: 'bearer', amr: ['pwd'] } });
    const created = await target().call(owner, 'POST', notesOf(globex), { title: 'by token' }, 'bearer');
    expect(created).toMatchObject({ status: 201, body: { author_id: owner.id } });
  });

  it('creates, reads, lists with a cursor, updates and deletes notes inside one tenant', async () => {
    const created = await target().call(owner, 'POST', notesOf(acme), { title: ' First ', body: 'hello' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tenant_id: acme,
      author_id: owner.id,
      title: 'First',
      body: 'hello',
    });
    expect(created.headers.get('location')).toBe(`${notesOf(acme)}/${created.body.id}`);
    for (const title of ['Second', 'Third']) await target().call(owner, 'POST', notesOf(acme), { title });

    const read = await target().call(owner, 'GET', `${notesOf(acme)}/${created.body.id}`);
    expect(read.body).toEqual(created.body);

    const first = await target().call(owner, 'GET', `${notesOf(acme)}?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await target().call(
      owner,
      'GET',
      `${notesOf(acme)}?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((note: { id: string }) => note.id);
    expect(new Set(ids).size).toBe(3);

    const updated = await target().call(owner, 'PATCH', `${notesOf(acme)}/${created.body.id}`, {
      title: 'Renamed',
    });
    expect(updated.body).toMatchObject({ title: 'Renamed', body: 'hello' });
    expect((await target().call(owner, 'DELETE', `${notesOf(acme)}/${created.body.id}`)).status).toBe(204);
    expect((await target().call(owner, 'GET', `${notesOf(acme)}/${created.body.id}`)).status).toBe(404);
  });

  it('writes one note for a retried creation with the same Idempotency-Key, and replays its answer', async () => {
    const key = `create-${Date.now()}`;
    const create = async (title: string) => {
      const response = await target().app.fetch(
        new Request(`http://notes.test${notesOf(acme)}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${owner.bearer}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify({ title }),
        }),
      );
      return { status: response.status, headers: response.headers, body: await response.json() };
    };
    const before = (await target().call(owner, 'GET', `${notesOf(acme)}?limit=100`)).body.items.length;
    const first = await create('Once');
    const retry = await create('Once');
    expect(first.status).toBe(201);
    expect(retry).toMatchObject({ status: 201, body: first.body });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect((await target().call(owner, 'GET', `${notesOf(acme)}?limit=100`)).body.items).toHaveLength(
      before + 1,
    );
    expect(await create('Twice')).toMatchObject({ status: 422, body: { code: 'LIFT_IDEMPOTENCY_MISMATCH' } });
  });

  it('lets one writer create 60 notes at once, then answers 429 naming the policy; others write on', async () => {
    const writer = await target().user('notes-writer@example.com');
    const own = await target().tenant('initech', writer);
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 70 }, (_, i) =>
        target().call(writer, 'POST', notesOf(own), { title: `Note ${i}` }),
      ),
    );
    const elapsed = Date.now() - started;
    const admitted = replies.filter((reply) => reply.status === 201);
    // GCRA: a burst of 60, and one more every 500 ms (120 a minute) while the 70 were being answered.
    expect(admitted.length).toBeGreaterThanOrEqual(60);
    expect(admitted.length).toBeLessThanOrEqual(60 + Math.ceil(elapsed / 500));
    expect(admitted[0]!.headers.get('ratelimit-policy')).toBe('"notes-write";q=60;w=30');
    const refused = replies.find((reply) => reply.status !== 201)!;
    expect(refused).toMatchObject({
      status: 429,
      body: { code: 'LIFT_RATE_LIMITED', policy: 'notes-write' },
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await target().call(owner, 'POST', notesOf(acme), { title: 'Still fine' })).status).toBe(201);
  });

  it("never shows or changes another tenant's notes, even to the owner of both", async () => {
    const theirs = await target().call(owner, 'POST', notesOf(globex), { title: 'Secret plan' });
    const id = theirs.body.id as string;
    expect((await target().call(owner, 'GET', `${notesOf(acme)}/${id}`)).status).toBe(404);
    expect((await target().call(owner, 'PATCH', `${notesOf(acme)}/${id}`, { title: 'x' })).status).toBe(404);
    expect((await target().call(owner, 'DELETE', `${notesOf(acme)}/${id}`)).status).toBe(404);
    const list = await target().call(owner, 'GET', `${notesOf(acme)}?limit=100`);
    expect(list.text).not.toContain('Secret plan');
    expect((await target().call(owner, 'GET', `${notesOf(globex)}/${id}`)).body.title).toBe('Secret plan');
  });

  it('refuses invalid notes with the failing fields', async () => {
    const bad = await target().call(owner, 'POST', notesOf(acme), { title: '', body: 42 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('LIFT_VALIDATION_FAILED');
    expect(bad.body.errors.map((issue: { path: string }) => issue.path).sort()).toEqual(['body', 'title']);
    expect((await target().call(owner, 'GET', `${notesOf(acme)}?limit=1000`)).status).toBe(400);
  });

  it('refuses a title with control or bidirectional formatting characters, and takes any script', async () => {
    for (const title of ['Plan\r\nBcc: x', 'Plan\u0000', 'Plan \u202Etxt.exe']) {
      const bad = await target().call(owner, 'POST', notesOf(acme), { title });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((issue: { path: string }) => issue.path)).toEqual(['title']);
    }
    const good = await target().call(owner, 'POST', notesOf(acme), { title: 'Planification — 計画 📝' });
    expect(good.status).toBe(201);
  });

  it("counts the notes it writes in its own metric, exported with Lift's", async () => {
    const written = async () => {
      const text = await target().app.module('telemetry').scrape();
      return Number(/^notes_created_total (\d+)$/m.exec(text)?.[1]);
    };
    const before = await written();
    expect((await target().call(owner, 'POST', notesOf(globex), { title: 'counted' })).status).toBe(201);
    expect(await written()).toBe(before + 1);
    // A refused note is not one.
    expect((await target().call(owner, 'POST', notesOf(globex), { title: '' })).status).toBe(400);
    expect(await written()).toBe(before + 1);
  });
});
