import {
  createLift,
  humanName,
  type LiftApp,
  type LiftConfigInput,
  liftModules,
  NotFoundError,
  randomId,
  realtimeModule,
  requireAuth,
} from '@lift/server';
import { z } from 'zod';
import { type NoteRow, type NotesTables, notesMigrations } from './migrations.ts';

/**
 * Lift's reference app: a small multi-tenant notes API, built only with Lift's public API. `npm start` runs
 * it through `lift serve --app`. Lift's identity (/auth/*), token and tenant routes are on by default; every
 * notes route needs a logged-in principal (session cookie or bearer token) and a permission in the tenant
 * named by `:tenantId`:
 *
 * - `notes:read` (role `viewer` and up) for every notes route, so someone outside the tenant gets the same
 *   403 whether or not the tenant or the note exists;
 * - `notes:create` (`member` and up) to write a note, which records its author;
 * - `notes:update` / `notes:delete` (`admin`, `owner`) for any note, or their `:own` forms (`member`) for the
 *   caller's own notes — decided per note with `app.guards.authorize`.
 *
 * The app declares these permissions (`notesPermissions`, so a misspelt guard fails at boot); they reach the
 * roles through the app's migration `0002_note_authors`.
 *
 * Every change to a note is published to the tenant's channel `tenant:<tenantId>:notes` (`note.created`,
 * `note.updated`, `note.deleted`), which members (`realtime.tenant:subscribe`, role `viewer` and up, migration
 * `0003_realtime`) follow over WebSocket (`GET /ws`) or Server-Sent Events (`GET /sse`).
 */

const title = humanName({ max: 200 });
const body = z.string().max(10_000);
const noteInput = z.object({ title, body: body.default('') });
// A patch changes only what it names (no defaults), and must name something.
const notePatch = z
  .object({ title: title.optional(), body: body.optional() })
  .refine((patch) => patch.title !== undefined || patch.body !== undefined, 'Name title or body to change.');
const tenantParams = z.object({ tenantId: z.string().min(1).max(64) });
const noteParams = tenantParams.extend({ id: z.string().min(1).max(64) });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

// What the notes routes answer: typed outputs type the handlers' return values and describe the responses in
// the OpenAPI document (GET /openapi.json, `lift openapi`).
const note = z.object({
  id: z.string(),
  tenant_id: z.string(),
  author_id: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const notePage = z.object({ items: z.array(note), next_cursor: z.string().nullable() });

/** Inputs of `GET /tenants/:tenantId/notes` (also used by the access benchmark). */
export const listInput = { params: tenantParams, query: listQuery };

function present(row: NoteRow) {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    author_id: row.author_id,
    title: row.title,
    body: row.body,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const notesDb = (app: LiftApp) => app.storage.sql.db.withTables<NotesTables>();

/** One page of a tenant's notes, keyset-paginated on (created_at, id); the cursor is opaque to clients. */
export async function listNotes(app: LiftApp, tenantId: string, page: z.infer<typeof listQuery>) {
  let q = notesDb(app).selectFrom('notes').selectAll().where('tenant_id', '=', tenantId);
  if (page.cursor) {
    const [createdAt, id] = Buffer.from(page.cursor, 'base64url').toString('utf8').split('|');
    if (createdAt && id) {
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '>', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)]),
        ]),
      );
    }
  }
  const rows = await q
    .orderBy('created_at')
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const next =
    rows.length > page.limit && last
      ? Buffer.from(`${last.created_at}|${last.id}`).toString('base64url')
      : null;
  return { items: items.map(present), next_cursor: next };
}

/** The permissions the notes routes check; a guard naming anything else fails when the app is built. */
export const notesPermissions = {
  'notes:read': 'Read the tenant’s notes.',
  'notes:create': 'Write new notes (recorded as their author).',
  'notes:update': 'Edit any note of the tenant (`notes:update:own`: one’s own).',
  'notes:delete': 'Delete any note of the tenant (`notes:delete:own`: one’s own).',
  'realtime.tenant:subscribe': 'Follow the tenant’s channels (tenant:<id>:…) live: note changes.',
  'realtime.tenant:presence': 'See who else follows a tenant channel.',
} as const;

export default function buildNotesApp(config: LiftConfigInput = {}) {
  const app = createLift(config, {
    // Lift's modules and the realtime gateway, which carries note changes to the tenant's members.
    modules: [...liftModules({ permissions: notesPermissions }), realtimeModule()],
    migrations: [notesMigrations],
    permissions: notesPermissions,
    // The app's own metrics, exported with Lift's on /metrics (docs/metrics.md lists Lift's).
    metrics: [{ name: 'notes_created_total', type: 'counter', help: 'Notes written, in every tenant.' }],
  });
  const notesCreated = app.module('telemetry').metrics.counter('notes_created_total');
  const realtime = app.module('realtime');
  // A change is news for the tenant's members; it is made whether or not the news gets out.
  const announce = (tenantId: string, type: string, data: Record<string, unknown>) => {
    realtime.publish(`tenant:${tenantId}:notes`, { type, ...data }).catch((error: unknown) => {
      app.log.warn({ err: error, tenantId }, 'could not publish a note change');
    });
  };
  const db = () => notesDb(app);
  const { guards } = app;

  app.get('/hello', () => ({ hello: 'world' }));

  // Who is calling: any authenticated principal, whatever resolver found it.
  app.group('/me', requireAuth()).get('/', (ctx) => {
    const principal = ctx.principal!;
    return {
      id: principal.id,
      type: principal.type,
      auth_method: principal.authMethod,
      amr: principal.amr,
      fresh: principal.fresh,
    };
  });

  // Every notes route needs notes:read in the path's tenant, checked before anything is looked up: a caller
  // outside the tenant gets the same 403 whether or not the tenant or the note exists.
  const notes = app.group('/tenants/:tenantId/notes', requireAuth(), guards.requirePermission('notes:read'));

  notes.get('/', {
    summary: 'One page of the tenant’s notes, oldest first',
    input: listInput,
    output: notePage,
    handler: (_ctx, { params, query }) => listNotes(app, params.tenantId, query),
  });

  // Writing a note also needs notes:create; the note records its author for the :own permissions. Each user
  // writes at most 120 notes a minute, 60 at once, whichever process they reach. A client that retries with
  // the same Idempotency-Key gets the first note back instead of a second one.
  const limits = app.module('limits');
  const writes = notes.group(
    '/',
    guards.requirePermission('notes:create'),
    limits.rateLimit({
      policies: [
        { name: 'notes-write', key: 'user', algorithm: 'gcra', rate: 120, periodSeconds: 60, burst: 60 },
      ],
    }),
    limits.idempotency(),
  );
  writes.post('/', {
    summary: 'Write a note',
    input: { params: tenantParams, body: noteInput },
    responses: { 201: note },
    handler: async (ctx, { params, body }) => {
      const now = new Date(app.clock.now()).toISOString();
      const row: NoteRow = {
        id: randomId(),
        tenant_id: params.tenantId,
        // API keys act for nobody: their notes are nobody's own.
        author_id: ctx.principal!.userId,
        title: body.title,
        body: body.body,
        created_at: now,
        updated_at: now,
      };
      await db().insertInto('notes').values(row).execute();
      notesCreated.inc();
      announce(params.tenantId, 'note.created', { note: present(row) });
      ctx.response.status = 201;
      ctx.response.headers.set('location', `/tenants/${encodeURIComponent(params.tenantId)}/notes/${row.id}`);
      return present(row);
    },
  });

  // Only this tenant's notes exist here: another tenant's note id is a 404, like an unknown one.
  const findNote = async (tenantId: string, id: string) => {
    const row = await db()
      .selectFrom('notes')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('No note with this id in this tenant.');
    return row;
  };
  const noteTarget = (row: NoteRow) => ({ ownerId: row.author_id, tenantId: row.tenant_id });

  notes.get('/:id', {
    summary: 'One note',
    input: { params: noteParams },
    output: note,
    handler: async (_ctx, { params }) => present(await findNote(params.tenantId, params.id)),
  });

  notes.patch('/:id', {
    summary: 'Change a note’s title or body',
    input: { params: noteParams, body: notePatch },
    output: note,
    handler: async (ctx, { params, body }) => {
      const existing = await findNote(params.tenantId, params.id);
      // `notes:update` edits any note; `notes:update:own` only the caller's.
      await guards.authorize(ctx, 'notes:update', noteTarget(existing));
      const updated: NoteRow = {
        ...existing,
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.body !== undefined ? { body: body.body } : {}),
        updated_at: new Date(app.clock.now()).toISOString(),
      };
      await db()
        .updateTable('notes')
        .set({ title: updated.title, body: updated.body, updated_at: updated.updated_at })
        .where('tenant_id', '=', params.tenantId)
        .where('id', '=', params.id)
        .execute();
      announce(params.tenantId, 'note.updated', { note: present(updated) });
      return present(updated);
    },
  });

  notes.delete('/:id', {
    summary: 'Delete a note',
    input: { params: noteParams },
    responses: { 204: null },
    handler: async (ctx, { params }) => {
      const existing = await findNote(params.tenantId, params.id);
      await guards.authorize(ctx, 'notes:delete', noteTarget(existing));
      await db()
        .deleteFrom('notes')
        .where('tenant_id', '=', params.tenantId)
        .where('id', '=', params.id)
        .execute();
      announce(params.tenantId, 'note.deleted', { id: params.id });
      return undefined;
    },
  });

  return app;
}
