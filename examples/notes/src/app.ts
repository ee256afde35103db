import { createLift, type LiftConfigInput, NotFoundError, randomId, requireAuth } from '@lift/server';
import { z } from 'zod';
import { type NoteRow, type NotesTables, notesMigrations } from './migrations.ts';

/**
 * Lift's reference app: a small multi-tenant notes API, built only with Lift's public API. `npm start` runs
 * it through `lift serve --app`. Lift's identity routes (/auth/*) are on by default; the notes need a
 * logged-in principal (session cookie now; bearer tokens and API keys join the same chain later).
 * Permissions per tenant come with the access-control module.
 */

const title = z.string().trim().min(1).max(200);
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

function present(row: NoteRow) {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    title: row.title,
    body: row.body,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export default function buildNotesApp(config: LiftConfigInput = {}) {
  const app = createLift(config, { migrations: [notesMigrations] });
  const db = () => app.storage.sql.db.withTables<NotesTables>();

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

  const notes = app.group('/tenants/:tenantId/notes', requireAuth());

  notes.get('/', {
    input: { params: tenantParams, query: listQuery },
    handler: async (_ctx, { params, query }) => {
      // Keyset pagination on (created_at, id); the cursor is opaque to clients.
      let q = db().selectFrom('notes').selectAll().where('tenant_id', '=', params.tenantId);
      if (query.cursor) {
        const [createdAt, id] = Buffer.from(query.cursor, 'base64url').toString('utf8').split('|');
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
        .limit(query.limit + 1)
        .execute();
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const next =
        rows.length > query.limit && last
          ? Buffer.from(`${last.created_at}|${last.id}`).toString('base64url')
          : null;
      return { items: page.map(present), next_cursor: next };
    },
  });

  notes.post('/', {
    input: { params: tenantParams, body: noteInput },
    handler: async (ctx, { params, body }) => {
      const now = new Date(app.clock.now()).toISOString();
      const row: NoteRow = {
        id: randomId(),
        tenant_id: params.tenantId,
        title: body.title,
        body: body.body,
        created_at: now,
        updated_at: now,
      };
      await db().insertInto('notes').values(row).execute();
      ctx.response.status = 201;
      ctx.response.headers.set('location', `/tenants/${encodeURIComponent(params.tenantId)}/notes/${row.id}`);
      return present(row);
    },
  });

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

  notes.get('/:id', {
    input: { params: noteParams },
    handler: async (_ctx, { params }) => present(await findNote(params.tenantId, params.id)),
  });

  notes.patch('/:id', {
    input: { params: noteParams, body: notePatch },
    handler: async (_ctx, { params, body }) => {
      const existing = await findNote(params.tenantId, params.id);
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
      return present(updated);
    },
  });

  notes.delete('/:id', {
    input: { params: noteParams },
    handler: async (_ctx, { params }) => {
      const result = await db()
        .deleteFrom('notes')
        .where('tenant_id', '=', params.tenantId)
        .where('id', '=', params.id)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) throw new NotFoundError('No note with this id in this tenant.');
      return undefined;
    },
  });

  return app;
}
