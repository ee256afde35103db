import { type MigrationSet, mergeMigrationSets, storageMigrations } from '../storage/index.ts';
import { liftModules } from './default-modules.ts';

/**
 * The `lift` set of an app with every module Lift ships: the storage layer's steps and each module's, in name
 * order — what one migrations file held before modules owned their migrations. For tests and tools that want
 * every table of Lift without building an app.
 */
export const liftMigrations: MigrationSet = mergeMigrationSets([
  storageMigrations,
  ...liftModules().flatMap((module) => (module.migrations ? [module.migrations] : [])),
])[0]!;
