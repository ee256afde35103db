import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configCatalog } from '../core/config/catalog.ts';
import { renderConfigurationDoc, renderEnvExample } from '../core/config/config-docs.ts';
import { shippedModules } from './default-modules.ts';

/**
 * Writes docs/configuration.md and .env.example from core's config sections and those of every module Lift
 * ships (`shippedModules()`); config-docs.test.ts fails when either file is stale.
 *
 *   npx tsx packages/server/src/app/generate-config-docs.ts
 */

const REPO_ROOT = new URL('../../../../', import.meta.url);
export const DOCS_FILE = fileURLToPath(new URL('docs/configuration.md', REPO_ROOT));
export const ENV_EXAMPLE_FILE = fileURLToPath(new URL('.env.example', REPO_ROOT));

/** The catalog the docs describe: core's sections and every module Lift ships. */
export const documentedCatalog = () => configCatalog(shippedModules());

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(DOCS_FILE, renderConfigurationDoc(documentedCatalog()));
  writeFileSync(ENV_EXAMPLE_FILE, renderEnvExample(documentedCatalog()));
  // biome formats Markdown (it pads the tables); formatting here keeps `npm run lint` clean after regenerating.
  execFileSync(
    fileURLToPath(new URL('node_modules/.bin/biome', REPO_ROOT)),
    ['format', '--write', DOCS_FILE],
    {
      stdio: 'inherit',
    },
  );
  process.stdout.write(`wrote ${DOCS_FILE}\nwrote ${ENV_EXAMPLE_FILE}\n`);
}
