import { LiftConfigError } from '../../core/errors.ts';
import type { MigrationSet } from '../ports.ts';

/**
 * Sets of the same name become one set (the modules' contributions to `lift`), its migrations in name order —
 * the order the migrator runs them in. Sets keep the order in which their names first appear. Two migrations
 * of one name in a set is a `LiftConfigError` naming it, since only one of them could ever run.
 */
export function mergeMigrationSets(sets: readonly MigrationSet[]): MigrationSet[] {
  const merged = new Map<string, MigrationSet>();
  for (const set of sets) {
    const existing = merged.get(set.name);
    if (existing === undefined) {
      merged.set(set.name, { name: set.name, migrations: [...set.migrations] });
      continue;
    }
    for (const migration of set.migrations) {
      if (existing.migrations.some((other) => other.name === migration.name)) {
        throw new LiftConfigError(
          `Migration ${set.name}/${migration.name} is declared twice (migration names are unique in a set).`,
        );
      }
      existing.migrations.push(migration);
    }
  }
  for (const set of merged.values()) set.migrations.sort((a, b) => compareNames(a.name, b.name));
  return [...merged.values()];
}

/** The migrator's own order (plain code-unit comparison), so the list reads as it runs. */
function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
