import type { ColumnType, Generated } from 'kysely';
import type { MigrationSet } from '../ports.ts';
import { sql } from '../sql/kysely-runtime.ts';

/**
 * `lift_outbox`: what a process has promised to do after a change and must not forget when it dies — security
 * events to relay to the broker (`event`), work to run with retries (`job`), and news for the other processes
 * sharing the database (`news`). Times are milliseconds since the epoch; PostgreSQL returns a `bigint` as a
 * string, SQLite as a number.
 */
export interface OutboxTable {
  /** Grows with every row and is never reused (SQLite AUTOINCREMENT, PostgreSQL identity). */
  id: Generated<number | string>;
  kind: 'event' | 'job' | 'news';
  /** The broker channel (`event`, `news`) or the job type (`identity.mail`). */
  topic: string;
  payload: string;
  /** The process group that wrote the row: a process skips its own news. */
  origin: string;
  /** Stable identity of the row's content for idempotent consumers (event id, job key). */
  dedupe_key: string;
  created_at: ColumnType<number | string, number, never>;
  /** Not claimed before this time (the retry backoff). */
  available_at: ColumnType<number | string, number, number>;
  attempts: ColumnType<number, number, number>;
  claimed_by: string | null;
  claimed_until: ColumnType<number | string | null, number | null, number | null>;
  /** When the row was delivered or its job succeeded (or gave up); null while due. */
  done_at: ColumnType<number | string | null, number | null, number | null>;
  last_error: string | null;
}

declare module '../ports.ts' {
  interface LiftTables {
    lift_outbox: OutboxTable;
  }
}

/** The outbox's own migration set (its bookkeeping table is `lift_outbox_migrations`). */
export const outboxMigrations: MigrationSet = {
  name: 'lift_outbox',
  migrations: [
    {
      name: '0001_create_outbox',
      async up(db, dialect) {
        await db.schema
          .createTable('lift_outbox')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (column) =>
            dialect === 'postgres' ? column.primaryKey() : column.primaryKey().autoIncrement(),
          )
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('topic', 'text', (column) => column.notNull())
          .addColumn('payload', 'text', (column) => column.notNull())
          .addColumn('origin', 'text', (column) => column.notNull())
          .addColumn('dedupe_key', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('available_at', 'bigint', (column) => column.notNull())
          .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
          .addColumn('claimed_by', 'text')
          .addColumn('claimed_until', 'bigint')
          .addColumn('done_at', 'bigint')
          .addColumn('last_error', 'text')
          .execute();
        // What relays and workers claim: due rows of one kind, oldest first.
        await db.schema
          .createIndex('lift_outbox_due')
          .on('lift_outbox')
          .columns(['kind', 'available_at'])
          .where(sql.ref('done_at'), 'is', null)
          .execute();
        // What the change feed reads: recent news; and what the purge deletes.
        await db.schema
          .createIndex('lift_outbox_recent')
          .on('lift_outbox')
          .columns(['kind', 'created_at'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_outbox').execute();
      },
    },
  ],
};
