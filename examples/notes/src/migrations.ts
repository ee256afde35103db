import type { MigrationSet } from '@lift/server';

/** The notes app's own tables, applied after Lift's migrations. */
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
  ],
};

export type NoteRow = {
  id: string;
  tenant_id: string;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
};

export type NotesTables = {
  notes: NoteRow;
};
