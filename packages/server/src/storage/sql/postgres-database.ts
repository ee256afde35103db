import type Pg from 'pg';
import { LiftConfigError } from '../../core/errors.ts';
import { lazyRequire } from '../../core/lazy-require.ts';
import type { LiftTables, SqlDatabase } from '../ports.ts';
import { kyselyDatabase } from './kysely-database.ts';
import { kysely } from './kysely-runtime.ts';

export interface PostgresDatabaseOptions {
  /** Connections per process. */
  poolSize: number;
  /** How long to wait for a new connection before failing, in ms (default 5000). */
  connectTimeoutMs?: number;
}

const pg = lazyRequire<typeof Pg>('pg');
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A pg pool behind Kysely. `?schema=<name>` in the URL puts that schema first on every connection's
 * `search_path` and creates it when missing, so test suites (or tenants of one server) can share a database.
 */
export function openPostgresDatabase(url: string, options: PostgresDatabaseOptions): SqlDatabase {
  const { connectionString, schema } = splitSchemaParameter(url);
  const pool = new (pg().Pool)({
    connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its server emits on the pool; without a listener that would crash the process.
  // The next query gets a fresh connection or fails, and readiness reports it.
  pool.on('error', () => {});
  if (schema) {
    pool.on('connect', (client) => {
      // Queued ahead of the caller's first query on this connection. Two connections racing to create the
      // schema may see a duplicate-key error; the loser's query then finds the winner's schema.
      client.query(`create schema if not exists "${schema}"`).catch(() => {});
    });
  }
  const db = new (kysely().Kysely)<LiftTables>({ dialect: new (kysely().PostgresDialect)({ pool }) });
  return kyselyDatabase('postgres', db);
}

function splitSchemaParameter(url: string): { connectionString: string; schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LiftConfigError('storage.url is not a valid postgres:// URL.');
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema === undefined) return { connectionString: url, schema };
  if (!SCHEMA_NAME.test(schema)) {
    throw new LiftConfigError(
      'The ?schema= parameter of storage.url must be a lower-case identifier (a-z, 0-9, _).',
    );
  }
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}
