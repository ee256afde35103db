import type { Logger } from 'pino';
import { redactUrlPasswords, resolveRootSecret } from '../core/config/index.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import { LiftConfigError, LiftError } from '../core/errors.ts';
import type { SealedColumn } from '../core/sealed-column.ts';
import type { Storage } from '../storage/index.ts';
import { assertLiftMigrated, pendingMigrations } from '../storage/index.ts';
import { RootKeys } from './root-keys.ts';

/**
 * The first half of `start()`, before any module touches a table: the root secret, the migrations (applied
 * when `storage.migrate` is auto, checked otherwise), and a check that the secret opens what is sealed. Each
 * problem stops the start with one line that says what to run, instead of a module's SQL error.
 */
export async function prepareData(input: {
  config: LiftConfig;
  log: Logger;
  storage: Storage;
  sealedColumns: readonly SealedColumn[];
  /** Names of the migration sets the app's modules keep apart from `lift`: pending, they stop the start too. */
  moduleSets?: readonly string[];
}): Promise<{ keys: RootKeys; migrate: 'auto' | 'manual' }> {
  const { config, log, storage } = input;
  const keys = new RootKeys(await resolveRootSecret(config, { log }));
  const migrate = config.storage.migrate ?? (config.env === 'production' ? 'manual' : 'auto');
  const pending = await reachingDatabase(config, async () => {
    if (migrate === 'auto') {
      const result = await storage.migrate();
      if (result.applied.length > 0) log.info({ applied: result.applied }, 'applied migrations');
    }
    return pendingMigrations(storage);
  });
  assertLiftMigrated(pending, migrateCommand(config), input.moduleSets);
  if (pending.length > 0) {
    // The app's own tables: Lift can serve, but the app may not; readiness says so until they exist.
    log.warn(
      { pending },
      `migrations pending: /health/ready answers 503 until ${migrateCommand(config)} has run`,
    );
  }
  await keys.assertOpens(storage.sql, input.sealedColumns);
  return { keys, migrate };
}

/** The first queries of a start: a driver error there (refused, unknown host, no such database) names the URL. */
async function reachingDatabase<T>(config: LiftConfig, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof LiftError || !(error instanceof Error)) throw error;
    const where =
      config.storage.url === undefined
        ? 'the SQLite file in dataDir'
        : redactUrlPasswords(config.storage.url);
    throw new LiftConfigError(`The SQL database (storage.url ${where}) did not answer: ${error.message}`, {
      cause: error,
    });
  }
}

/** What an operator runs to apply this app's migrations. */
export function migrateCommand(config: Pick<LiftConfig, 'app'>): string {
  return config.app === undefined ? 'lift migrate' : `lift migrate --app ${config.app}`;
}
