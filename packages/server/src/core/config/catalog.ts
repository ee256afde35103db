import { z } from 'zod';
import { LiftConfigError } from '../errors.ts';
import type { LiftModule } from '../module.ts';
import { type ConfigKey, collectConfigKeys } from './keys.ts';
import { coreConfigSchema } from './schema.ts';

/**
 * One app's configuration schema: core's sections merged with the sections of the modules the app has, and the
 * leaf keys read from it. Core never imports a module: the composition root (or the CLI, which loads the app's
 * modules) hands the modules in. Keys of a module the app does not have are unknown keys here, so setting one is
 * a configuration error naming it (an operator who sets `LIFT_TOKENS__ISSUER` believes tokens are on).
 */

/** What the catalog reads of a module: its name and the config sections it owns. */
export type ConfigOwner = Pick<LiftModule, 'name' | 'config'>;

export interface ConfigCatalog {
  /** The one schema: core's sections, then each module's in the order the modules were given. */
  readonly schema: z.ZodObject;
  /** Every leaf key, in schema order. */
  readonly keys: readonly ConfigKey[];
  readonly byName: ReadonlyMap<string, ConfigKey>;
  readonly byEnvVar: ReadonlyMap<string, ConfigKey>;
  /** Dotted paths of the nested objects (`http`, `http.cors`, `tokens.refresh`, …). */
  readonly groups: ReadonlySet<string>;
  /** Top-level section name → the module that owns it; core's sections are absent. */
  readonly sectionOwners: ReadonlyMap<string, string>;
  /** Names of the modules whose sections are in, in the order given. */
  readonly modules: readonly string[];
}

const cache = new Map<string, { owners: readonly ConfigOwner['config'][]; catalog: ConfigCatalog }>();

/** The catalog of core's sections plus those of `modules`; built once per distinct module list. */
export function configCatalog(modules: readonly ConfigOwner[] = []): ConfigCatalog {
  const cacheKey = modules.map((m) => m.name).join('\n');
  const hit = cache.get(cacheKey);
  if (hit?.owners.every((config, i) => config === modules[i]!.config)) return hit.catalog;
  const catalog = buildCatalog(modules);
  cache.set(cacheKey, { owners: modules.map((m) => m.config), catalog });
  return catalog;
}

function buildCatalog(modules: readonly ConfigOwner[]): ConfigCatalog {
  const shape: Record<string, z.ZodType> = { ...coreConfigSchema.shape };
  const sectionOwners = new Map<string, string>();
  for (const module of modules) {
    for (const [section, schema] of Object.entries(module.config ?? {})) {
      if (section in shape) {
        const holder = sectionOwners.get(section);
        throw new LiftConfigError(
          `Config section "${section}" of module "${module.name}" is already ${holder ? `declared by module "${holder}"` : "one of core's keys"}.`,
        );
      }
      shape[section] = schema;
      sectionOwners.set(section, module.name);
    }
  }
  const schema = z.strictObject(shape);
  const keys = collectConfigKeys(schema);
  const groups = new Set(
    keys.flatMap((k) => k.path.slice(0, -1).map((_, i) => k.path.slice(0, i + 1).join('.'))),
  );
  for (const [section, owner] of sectionOwners) {
    if (!groups.has(section)) {
      throw new LiftConfigError(`Config section "${section}" of module "${owner}" must be a zod object.`);
    }
  }
  return {
    schema,
    keys,
    byName: new Map(keys.map((k) => [k.key, k])),
    byEnvVar: new Map(keys.map((k) => [k.envVar, k])),
    groups,
    sectionOwners,
    modules: modules.map((m) => m.name),
  };
}

/**
 * Why a key is unknown, when its section is: no module of this app owns a section of that name, so a key of a
 * module the app leaves out reads as such rather than as a typo.
 */
export function missingSectionHint(section: string, catalog: ConfigCatalog): string {
  const modules = catalog.modules.length === 0 ? 'none' : catalog.modules.join(', ');
  return ` (no module of this app owns a config section "${section}"; its modules: ${modules})`;
}
