import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LiftApp } from '@lift/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FreshPostgresSchema,
  freshPostgresSchemaUrl,
  postgresUrl,
} from '../../../packages/server/test/support/services.ts';
import buildNotesApp from '../src/app.ts';

/** The reference app's notes API, end to end through app.fetch, on both SQL dialects. */

const pgUrl = await postgresUrl();

function suite(name: string, storageUrl: () => Promise<{ url: string; cleanup(): Promise<void> }>) {
  describe(`notes on ${name}`, () => {
    let app: LiftApp;
    let cookie = '';
    let userId = '';
    let cleanup: () => Promise<void> = async () => {};
    beforeAll(async () => {
      const storage = await storageUrl();
      cleanup = storage.cleanup;
      app = buildNotesApp({
        log: { level: 'silent' },
        dataDir: mkdtempSync(path.join(tmpdir(), 'lift-notes-')),
        storage: { url: storage.url, kv: 'memory:' },
      });
      await app.start();
      // A logged-in user, made through the identity module's own ports (the HTTP journey has its own tests).
      const user = await app.identity.deps.users.create({ email: 'notes-owner@example.com' });
      userId = user.id;
      const { token } = await app.identity.sessions.create({ userId, amr: ['pwd'], origin: {} });
      cookie = `${app.identity.cookie.name}=${token}`;
    });
    afterAll(async () => {
      await app.close();
      await cleanup();
    });

    const call = async (method: string, url: string, body?: unknown, authenticated = true) => {
      const headers: Record<string, string> = authenticated ? { cookie } : {};
      const init: RequestInit = { method, headers };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
      const response = await app.fetch(new Request(`http://notes.test${url}`, init));
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    };

    it('says hello', async () => {
      expect(await call('GET', '/hello', undefined, false)).toMatchObject({
        status: 200,
        body: { hello: 'world' },
      });
    });

    it('tells an authenticated caller who it is, and refuses anonymous callers on /me and the notes', async () => {
      expect(await call('GET', '/me')).toMatchObject({
        status: 200,
        body: { id: userId, type: 'user', auth_method: 'session', amr: ['pwd'], fresh: true },
      });
      const anonymous = await call('GET', '/me', undefined, false);
      expect(anonymous).toMatchObject({ status: 401, body: { code: 'LIFT_UNAUTHENTICATED' } });
      expect((await call('GET', '/tenants/acme/notes', undefined, false)).status).toBe(401);
      expect((await call('POST', '/tenants/acme/notes', { title: 'x' }, false)).status).toBe(401);
    });

    it('accepts a bearer access token wherever it accepts the session', async () => {
      const pair = await app.tokens.issuePair({ userId, amr: ['pwd'], authTime: app.clock.now() }, {});
      const headers = { authorization: `Bearer ${pair.access_token}` };
      const me = await app.fetch(new Request('http://notes.test/me', { headers }));
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ id: userId, auth_method: 'bearer', amr: ['pwd'] });
      const created = await app.fetch(
        new Request('http://notes.test/tenants/initech/notes', {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'by token' }),
        }),
      );
      expect(created.status).toBe(201);
    });

    it('creates, reads, lists with a cursor, updates and deletes notes inside one tenant', async () => {
      const created = await call('POST', '/tenants/acme/notes', { title: ' First ', body: 'hello' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ tenant_id: 'acme', title: 'First', body: 'hello' });
      expect(created.headers.get('location')).toBe(`/tenants/acme/notes/${created.body.id}`);
      for (const title of ['Second', 'Third']) await call('POST', '/tenants/acme/notes', { title });

      const read = await call('GET', `/tenants/acme/notes/${created.body.id}`);
      expect(read.body).toEqual(created.body);

      const first = await call('GET', '/tenants/acme/notes?limit=2');
      expect(first.body.items).toHaveLength(2);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await call('GET', `/tenants/acme/notes?limit=2&cursor=${first.body.next_cursor}`);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.next_cursor).toBeNull();
      const ids = [...first.body.items, ...second.body.items].map((note: { id: string }) => note.id);
      expect(new Set(ids).size).toBe(3);

      const updated = await call('PATCH', `/tenants/acme/notes/${created.body.id}`, { title: 'Renamed' });
      expect(updated.body).toMatchObject({ title: 'Renamed', body: 'hello' });
      expect((await call('DELETE', `/tenants/acme/notes/${created.body.id}`)).status).toBe(204);
      expect((await call('GET', `/tenants/acme/notes/${created.body.id}`)).status).toBe(404);
    });

    it("never shows or changes another tenant's notes", async () => {
      const theirs = await call('POST', '/tenants/globex/notes', { title: 'Secret plan' });
      const id = theirs.body.id as string;
      expect((await call('GET', `/tenants/acme/notes/${id}`)).status).toBe(404);
      expect((await call('PATCH', `/tenants/acme/notes/${id}`, { title: 'x' })).status).toBe(404);
      expect((await call('DELETE', `/tenants/acme/notes/${id}`)).status).toBe(404);
      const list = await call('GET', '/tenants/acme/notes?limit=100');
      expect(JSON.stringify(list.body)).not.toContain('Secret plan');
      expect((await call('GET', `/tenants/globex/notes/${id}`)).body.title).toBe('Secret plan');
    });

    it('refuses invalid notes with the failing fields', async () => {
      const bad = await call('POST', '/tenants/acme/notes', { title: '', body: 42 });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('LIFT_VALIDATION_FAILED');
      expect(bad.body.errors.map((issue: { path: string }) => issue.path).sort()).toEqual(['body', 'title']);
      expect((await call('GET', '/tenants/acme/notes?limit=1000')).status).toBe(400);
    });
  });
}

suite('SQLite', async () => ({ url: 'sqlite::memory:', cleanup: async () => {} }));

describe.skipIf(!pgUrl)('PostgreSQL', () => {
  suite('PostgreSQL', async () => {
    const schema: FreshPostgresSchema = await freshPostgresSchemaUrl('notes');
    return { url: schema.url, cleanup: () => schema.drop() };
  });
});
