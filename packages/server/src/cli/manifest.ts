import { createRequire } from 'node:module';

/** What the CLI reads from @lift/server's own package.json (`lift --version`, the starter's dependencies). */
export interface LiftManifest {
  name: string;
  version: string;
  dependencies: Record<string, string>;
}

/**
 * The package's manifest, found by the package's own name (the build joins modules into chunks, so a path
 * relative to this file would not stay true).
 */
export function liftManifest(): LiftManifest {
  return createRequire(import.meta.url)('@lift/server/package.json') as LiftManifest;
}
