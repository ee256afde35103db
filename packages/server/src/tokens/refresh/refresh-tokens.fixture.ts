import { migratedSqlTargets } from '../../../test/support/stores.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { openSqlDatabase } from '../../storage/sql/open-sql-database.ts';

/** Databases the refresh-token tests run on: SQLite in memory and, when it answers, a PostgreSQL schema. */

/** Enough PostgreSQL connections for every rotation of a race to hold its own transaction. */
const POSTGRES_POOL_SIZE = 12;

export interface OpenedRefreshDatabase {
  database: SqlDatabase;
  /** PostgreSQL only: another pool on the same schema, as a second server process would have. */
  openSecondNode?: () => SqlDatabase;
  /** Closes every second node's pool and ends the test's use of the database. */
  close(): Promise<void>;
}

export interface RefreshDatabaseTarget {
  name: string;
  open(): Promise<OpenedRefreshDatabase>;
}

export async function refreshDatabaseTargets(prefix: string): Promise<RefreshDatabaseTarget[]> {
  const targets = await migratedSqlTargets(prefix, { postgresPoolSize: POSTGRES_POOL_SIZE });
  return targets.map((target) => ({
    name: target.name,
    async open() {
      const { database, url, close } = await target.open();
      const nodes: SqlDatabase[] = [];
      return {
        database,
        ...(url === undefined
          ? {}
          : {
              openSecondNode() {
                const node = openSqlDatabase(url, { poolSize: POSTGRES_POOL_SIZE });
                nodes.push(node);
                return node;
              },
            }),
        async close() {
          await Promise.all(nodes.map((node) => node.close()));
          await close();
        },
      };
    },
  }));
}
