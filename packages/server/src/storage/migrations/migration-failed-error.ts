import { LiftError } from '../../core/errors.ts';

/** A migration threw; the ones before it stay applied, it and the ones after it stay pending. */
export class MigrationFailedError extends LiftError {
  /** `<set>/<name>` of the migration that failed. */
  readonly migration: string;
  /** What this run applied before the failure, as `<set>/<name>`. */
  readonly applied: string[];

  constructor(migration: string, applied: string[], cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('LIFT_MIGRATION_FAILED', 500, 'Migration failed', {
      detail: `Migration ${migration} failed: ${reason}`,
      cause,
      extensions: { migration, applied },
    });
    this.migration = migration;
    this.applied = applied;
  }
}
