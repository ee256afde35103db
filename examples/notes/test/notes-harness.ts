import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LiftApp, LiftEvent } from '@lift/server';
import { signedInUser } from '@lift/server/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../../packages/server/test/support/services.ts';
import buildNotesApp from '../src/app.ts';

/**
 * Test support for the reference app: the notes app on SQLite and PostgreSQL, users with a session cookie
 * and a bearer token, tenants made through `app.access`, and members given a tenant role by name.
 */

export interface NotesUser {
  id: string;
  /** `Cookie` header value of a fresh session. */
  cookie: string;
  /** An access token for the same user. */
  bearer: string;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected loosely in tests.
  body: any;
}

export interface NotesTarget {
  app: LiftApp;
  /** Every event this app emitted, in order. */
  events: LiftEvent[];
  user(email: string): Promise<NotesUser>;
  /** A tenant created by `owner` (who becomes its `owner`). */
  tenant(slug: string, owner: NotesUser): Promise<string>;
  /** Makes `user` a member of `tenantId` holding that tenant's role `roleName`. */
  join(tenantId: string, user: NotesUser, roleName: string): Promise<void>;
  /** A JSON request as `user`: by cookie (default) or bearer token, or anonymous with null. */
  call(
    user: NotesUser | null,
    method: string,
    url: string,
    body?: unknown,
    via?: 'cookie' | 'bearer',
  ): Promise<Reply>;
}

async function makeTarget(storageUrl: string): Promise<{ target: NotesTarget; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lift-notes-'));
  const app = buildNotesApp({
    log: { level: 'silent' },
    dataDir,
    storage: { url: storageUrl, kv: 'memory:' },
  });
  await app.start();
  const events: LiftEvent[] = [];
  app.events.onLocal((event) => {
    events.push(event);
  });
  const target: NotesTarget = {
    app,
    events,
    async user(email) {
      // Signed in directly (the HTTP journeys have their own tests).
      const user = await signedInUser(app, email);
      if (user.bearer === null) throw new Error('the notes app issues tokens');
      return { id: user.id, cookie: user.cookie, bearer: user.bearer };
    },
    async tenant(slug, owner) {
      const { tenant } = await app.access.createTenant({ name: slug, slug, createdBy: owner.id });
      return tenant.id;
    },
    async join(tenantId, user, roleName) {
      const roles = await app.access.roles.list({ scope: 'tenant', tenantId });
      const role = roles.find((candidate) => candidate.name === roleName);
      if (!role) throw new Error(`tenant ${tenantId} has no role ${roleName}`);
      const subject = { type: 'user' as const, id: user.id };
      await app.access.memberships.add(tenantId, user.id);
      await app.access.grants.add({ subject, roleId: role.id, tenantId, createdBy: null });
      await app.access.control.changed({ kind: 'grant', tenantId, subjects: [subject] });
    },
    async call(user, method, url, body, via = 'cookie') {
      const headers: Record<string, string> = {};
      if (user) {
        if (via === 'cookie') headers.cookie = user.cookie;
        else headers.authorization = `Bearer ${user.bearer}`;
      }
      const init: RequestInit = { method, headers };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
      const response = await app.fetch(new Request(`http://notes.test${url}`, init));
      const text = await response.text();
      // Events run after the answer (core/events.ts): a test sees a request's events once they have.
      await app.events.settled();
      return {
        status: response.status,
        headers: response.headers,
        text,
        body: text ? JSON.parse(text) : undefined,
      };
    },
  };
  return { target, dataDir };
}

const pgUrl = await postgresUrl();

/**
 * Runs `define` once per SQL dialect (PostgreSQL when `LIFT_TEST_POSTGRES_URL` is set), each with its own
 * started notes app; `define` gets a getter, valid inside tests and hooks.
 */
export function eachDialect(name: string, define: (target: () => NotesTarget) => void): void {
  const dialects: [string, boolean, () => Promise<{ url: string; drop(): Promise<void> }>][] = [
    ['SQLite', true, async () => ({ url: 'sqlite::memory:', drop: async () => {} })],
    ['PostgreSQL', Boolean(pgUrl), () => freshPostgresSchemaUrl('notes')],
  ];
  for (const [dialect, enabled, storage] of dialects) {
    describe.skipIf(!enabled)(`${name} on ${dialect}`, () => {
      let current: NotesTarget | undefined;
      let cleanup = async () => {};
      beforeAll(async () => {
        const schema = await storage();
        const { target, dataDir } = await makeTarget(schema.url);
        current = target;
        cleanup = async () => {
          await target.app.close();
          await schema.drop();
          rmSync(dataDir, { recursive: true, force: true });
        };
      });
      afterAll(() => cleanup());
      define(() => {
        if (!current) throw new Error('the notes app is not started yet');
        return current;
      });
    });
  }
}
