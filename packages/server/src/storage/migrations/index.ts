export { liftMigrations } from './lift-migrations.ts';
export { MigrationFailedError } from './migration-failed-error.ts';
export { migrationStatus, runMigrations } from './migrator.ts';
