import { LiftError } from '../../core/errors.ts';
import { outboxMigrations } from '../outbox/outbox-table.ts';
import type { Pingable, Storage } from '../ports.ts';
import { LIFT_MIGRATION_SET } from './storage-migrations.ts';

/**
 * What is not migrated yet, told in a way an operator can act on. Lift's own tables missing stops the start
 * (nothing would work); the app's migrations missing only keeps the node out of the load balancer
 * (`/health/ready` 503), so it turns ready by itself once `lift migrate` has run from anywhere.
 */

/** Lift's own migrations are pending: the server refuses to start until `lift migrate` has run. */
export class MigrationsPendingError extends LiftError {
  /** `<set>/<name>` of each pending migration. */
  readonly pending: string[];

  constructor(pending: string[], migrateCommand: string) {
    super('LIFT_MIGRATIONS_PENDING', 503, 'Migrations pending', {
      detail:
        `The database is not migrated: ${describePending(pending)} pending. ` +
        `Run ${migrateCommand} (same configuration) first, then start again.`,
      extensions: { pending },
    });
    this.pending = pending;
  }
}

/** `<set>/<name>` of every migration that has not run, Lift's first. */
export async function pendingMigrations(storage: Pick<Storage, 'migrationStatus'>): Promise<string[]> {
  const status = await storage.migrationStatus();
  return status
    .filter((migration) => migration.executedAt === null)
    .map((migration) => `${migration.set}/${migration.name}`);
}

/**
 * Throws MigrationsPendingError when any of Lift's own migrations is among `pending`: the `lift` set, the
 * outbox's, and the sets of modules that keep their own (`moduleSets`), since a module would fail on its
 * missing tables.
 */
export function assertLiftMigrated(
  pending: readonly string[],
  migrateCommand: string,
  moduleSets: readonly string[] = [],
): void {
  const own = new Set([LIFT_MIGRATION_SET, outboxMigrations.name, ...moduleSets]);
  const lift = pending.filter((name) => own.has(name.slice(0, name.indexOf('/'))));
  if (lift.length > 0) throw new MigrationsPendingError([...pending], migrateCommand);
}

/**
 * The readiness component `migrations`: down, naming what is pending and what to run, until every migration
 * has run. Migrations never un-run while a server is up, so after the first clean answer it stops asking.
 */
export function migrationsComponent(
  storage: Pick<Storage, 'migrationStatus'>,
  migrateCommand: string,
): Pingable {
  let done = false;
  return {
    async ping() {
      if (done) return;
      const pending = await pendingMigrations(storage);
      if (pending.length > 0) {
        throw new Error(`pending migrations ${pending.join(', ')}; run ${migrateCommand}`);
      }
      done = true;
    },
  };
}

/** `notes/0002_tags`, or `8 migrations (lift/0001_create_kv … lift/0008_default_roles)`. */
export function describePending(pending: readonly string[]): string {
  if (pending.length === 1) return pending[0]!;
  if (pending.length <= 3) return `${pending.length} migrations (${pending.join(', ')})`;
  return `${pending.length} migrations (${pending[0]} … ${pending[pending.length - 1]})`;
}
