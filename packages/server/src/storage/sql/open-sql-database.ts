import { LiftConfigError } from '../../core/errors.ts';
import type { SqlDatabase } from '../ports.ts';
import { unsupportedUrlError, urlScheme } from '../url-scheme.ts';
import { openPostgresDatabase } from './postgres-database.ts';
import { openSqliteDatabase } from './sqlite-database.ts';

export interface OpenSqlDatabaseOptions {
  /** PostgreSQL connections per process; SQLite always uses one. */
  poolSize: number;
}

/**
 * Opens the SQL database a URL names: `sqlite:<path>`, `sqlite::memory:`, `postgres://…` or `postgresql://…`
 * (optionally `?schema=<name>`).
 */
export function openSqlDatabase(url: string, options: OpenSqlDatabaseOptions): SqlDatabase {
  switch (urlScheme(url)) {
    case 'sqlite': {
      const location = url.trim().slice('sqlite:'.length);
      if (location === '')
        throw new LiftConfigError('storage.url "sqlite:" needs a file path or ":memory:".');
      return openSqliteDatabase(location);
    }
    case 'postgres':
    case 'postgresql':
      return openPostgresDatabase(url, { poolSize: options.poolSize });
    default:
      throw unsupportedUrlError('storage.url', url, ['sqlite:<path>', 'sqlite::memory:', 'postgres://…']);
  }
}
