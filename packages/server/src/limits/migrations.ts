import type { MigrationSet } from '../storage/index.ts';

/**
 * The limits module's own migration set (`limits`, with its own bookkeeping table): `lift_rate_limits`, the
 * SQL store's counters. Append steps; never edit one that has shipped.
 */
export const limitsMigrations: MigrationSet = {
  name: 'limits',
  migrations: [
    {
      name: '0001_create_rate_limits',
      async up(db) {
        // One row per counter. `a`, `b`, `c` hold the algorithm's state (sliding window: window start,
        // current, previous; GCRA: the theoretical arrival time in `a`), a double so fractional TATs survive.
        await db.schema
          .createTable('lift_rate_limits')
          .addColumn('key', 'text', (column) => column.primaryKey())
          .addColumn('a', 'double precision', (column) => column.notNull())
          .addColumn('b', 'bigint', (column) => column.notNull())
          .addColumn('c', 'bigint', (column) => column.notNull())
          .addColumn('expires_at', 'bigint', (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex('lift_rate_limits_expires_at')
          .on('lift_rate_limits')
          .column('expires_at')
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_rate_limits').execute();
      },
    },
  ],
};
