/**
 * What `bench/access.ts`'s children share: the reference app with three twins of its
 * `GET /tenants/:tenantId/notes` (`addBenchRoutes`), and its data (`seedTenant`): one tenant (made by its
 * owner), a `viewer` and a `member` of it, a user of no tenant, and three notes written by the member.
 */
import { randomId, requireAuth } from '@lift/server';
import buildNotesApp, { listInput, listNotes } from '../examples/notes/src/app.ts';
import type { NotesTables } from '../examples/notes/src/migrations.ts';

export type NotesApp = ReturnType<typeof buildNotesApp>;

export interface SeededTenant {
  tenantId: string;
  viewerId: string;
  memberId: string;
  outsiderId: string;
}

const NOTES = 3;

export async function seedTenant(app: NotesApp): Promise<SeededTenant> {
  const user = (name: string) => app.identity.users.create({ email: `${name}@bench.example` });
  const [owner, viewer, member, outsider] = [
    await user('owner'),
    await user('viewer'),
    await user('member'),
    await user('outsider'),
  ];
  const { tenant, roles } = await app.access.createTenant({
    name: 'Bench',
    slug: 'bench',
    createdBy: owner.id,
  });
  for (const [userId, roleName] of [
    [viewer.id, 'viewer'],
    [member.id, 'member'],
  ] as const) {
    const role = roles.find((candidate) => candidate.name === roleName);
    if (!role) throw new Error(`the tenant has no role ${roleName}`);
    const subject = { type: 'user' as const, id: userId };
    await app.access.memberships.add(tenant.id, userId);
    await app.access.grants.add({ subject, roleId: role.id, tenantId: tenant.id, createdBy: owner.id });
    await app.access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [subject] });
  }
  const db = app.storage.sql.db.withTables<NotesTables>();
  for (let index = 0; index < NOTES; index++) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString();
    await db
      .insertInto('notes')
      .values({
        id: randomId(),
        tenant_id: tenant.id,
        author_id: member.id,
        title: `Note ${index + 1}`,
        body: 'A short body, as most notes have.',
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
  return { tenantId: tenant.id, viewerId: viewer.id, memberId: member.id, outsiderId: outsider.id };
}

export type NotesPage = Awaited<ReturnType<typeof listNotes>>;

/**
 * Registers the twins of the app's route (access-protocol.ts `ROUTES`): the same handler and query behind
 * `requireAuth()` alone, and a handler answering `page()` (read once after seeding) with and without
 * `requirePermission('notes:read')`. All validate the same input. Call before the first request.
 */
export function addBenchRoutes(app: NotesApp, page: () => NotesPage): void {
  const readNotes = app.guards.requirePermission('notes:read');
  app.group('/unguarded/tenants/:tenantId/notes', requireAuth()).get('/', {
    input: listInput,
    handler: (_ctx, { params, query }) => listNotes(app, params.tenantId, query),
  });
  app.group('/memory/tenants/:tenantId/notes', requireAuth(), readNotes).get('/', {
    input: listInput,
    handler: () => page(),
  });
  app.group('/memory/unguarded/tenants/:tenantId/notes', requireAuth()).get('/', {
    input: listInput,
    handler: () => page(),
  });
}

/** The tenant's first page of notes, as every route answers it. */
export function firstPage(app: NotesApp, tenantId: string): Promise<NotesPage> {
  return listNotes(app, tenantId, { limit: 20 });
}

export { buildNotesApp };
