import { freshPostgresSchemaUrl, postgresUrl } from '../../../test/support/services.ts';
import { liftMigrations } from '../../app/lift-migrations.ts';
import { runMigrations } from '../../storage/migrations/migrator.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { openSqlDatabase } from '../../storage/sql/open-sql-database.ts';

/** Databases the refresh-token tests run on: SQLite in memory and, when it answers, a fresh PostgreSQL schema. */

/** Enough PostgreSQL connections for every rotation of a race to hold its own transaction. */
const POSTGRES_POOL_SIZE = 12;

export interface OpenedRefreshDatabase {
  database: SqlDatabase;
  /** PostgreSQL only: another pool on the same schema, as a second server process would have. */
  openSecondNode?: () => SqlDatabase;
  /** Closes every pool opened here and, on PostgreSQL, drops the schema. */
  close(): Promise<void>;
}

export interface RefreshDatabaseTarget {
  name: string;
  open(): Promise<OpenedRefreshDatabase>;
}

export async function refreshDatabaseTargets(prefix: string): Promise<RefreshDatabaseTarget[]> {
  const targets: RefreshDatabaseTarget[] = [
    {
      name: 'SQLite',
      async open() {
        const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
        await runMigrations(database, [liftMigrations]);
        return { database, close: () => database.close() };
      },
    },
  ];
  if ((await postgresUrl()) !== undefined) {
    targets.push({
      name: 'PostgreSQL',
      async open() {
        const schema = await freshPostgresSchemaUrl(prefix);
        const pools = [openSqlDatabase(schema.url, { poolSize: POSTGRES_POOL_SIZE })];
        const database = pools[0]!;
        await runMigrations(database, [liftMigrations]);
        return {
          database,
          openSecondNode() {
            const node = openSqlDatabase(schema.url, { poolSize: POSTGRES_POOL_SIZE });
            pools.push(node);
            return node;
          },
          async close() {
            await Promise.all(pools.map((pool) => pool.close()));
            await schema.drop();
          },
        };
      },
    });
  }
  return targets;
}
