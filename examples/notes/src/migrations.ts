import { addTemplatePermissions, type MigrationSet } from '@lift/server';

/**
 * The notes app's own tables, applied after Lift's migrations (so Lift's role templates exist). Shipped steps
 * are never edited: a change is a new step at the end.
 */
export const notesMigrations: MigrationSet = {
  name: 'notes',
  migrations: [
    {
      name: '0001_notes',
      async up(db) {
        await db.schema
          .createTable('notes')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('tenant_id', 'text', (column) => column.notNull())
          .addColumn('title', 'text', (column) => column.notNull())
          .addColumn('body', 'text', (column) => column.notNull())
          .addColumn('created_at', 'text', (column) => column.notNull())
          .addColumn('updated_at', 'text', (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex('notes_tenant_created')
          .on('notes')
          .columns(['tenant_id', 'created_at', 'id'])
          .execute();
      },
    },
    {
      // Notes get an author (older notes keep null: nobody's own), and the tenant role templates get the notes
      // permissions: viewer reads, member creates and edits its own, admin (and so owner) edits all. Tenants
      // created from now on have them; tenants created earlier keep their roles.
      name: '0002_note_authors',
      async up(db) {
        await db.schema.alterTable('notes').addColumn('author_id', 'text').execute();
        await addTemplatePermissions(db, {
          viewer: ['notes:read'],
          member: ['notes:create', 'notes:update:own', 'notes:delete:own'],
          admin: ['notes:update', 'notes:delete'],
        });
      },
    },
    {
      // Members follow their tenant's channels live (note changes on tenant:<id>:notes): viewer and up, in
      // tenants made before this step too.
      name: '0003_realtime',
      async up(db) {
        await addTemplatePermissions(
          db,
          { viewer: ['realtime.tenant:subscribe', 'realtime.tenant:presence'] },
          { applyToExisting: true },
        );
      },
    },
  ],
};

export type NoteRow = {
  id: string;
  tenant_id: string;
  /** The user who wrote the note; null for notes older than authors (and those written by API keys). */
  author_id: string | null;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
};

export type NotesTables = {
  notes: NoteRow;
};
