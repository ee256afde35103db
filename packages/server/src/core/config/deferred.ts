import type { ConfigCatalog } from './catalog.ts';
import { envEntry, unknownVariable } from './env.ts';
import { type ConfigSource, type LayerEntry, type MergedEntry, unknownKey } from './layer.ts';

/**
 * Values for config sections that no module of the loaded list owns, kept for the app to decide. The `lift`
 * command reads the config before it loads the app, with the sections of Lift's own modules; an app may bring a
 * module of its own (`notes`), whose `LIFT_NOTES__*` variables and file section only the app's module list can
 * read. Such values ride along with the loaded config (load.ts) and `createLift` reads them against the app's
 * catalog: a key one of its modules owns is parsed and validated like any other, anything else is the usual
 * unknown-key error naming its source.
 */
export interface DeferredValue {
  /** An environment variable, as read (a raw string). */
  envVar?: string;
  /** A dotted key from the config file or flags. */
  key?: string;
  value: unknown;
  origin: string;
  source: ConfigSource;
}

/** The deferred values as entries of `catalog`'s keys, in the order given (file, then env, then flags). */
export function resolveDeferred(
  deferred: readonly DeferredValue[],
  catalog: ConfigCatalog,
  problems: string[],
): Map<string, MergedEntry<ConfigSource>> {
  const entries = new Map<string, MergedEntry<ConfigSource>>();
  const add = (key: string, entry: LayerEntry, source: ConfigSource) =>
    entries.set(key, { ...entry, source });
  for (const item of deferred) {
    if (item.envVar !== undefined) {
      const key = catalog.byEnvVar.get(item.envVar);
      if (key === undefined) {
        problems.push(`${item.origin}: ${unknownVariable(item.envVar, catalog)}`);
        continue;
      }
      const parsed = envEntry(key, String(item.value), item.origin);
      if (parsed && 'problem' in parsed) problems.push(parsed.problem);
      else if (parsed) add(key.key, parsed.entry, item.source);
    } else if (item.key !== undefined) {
      if (catalog.byName.has(item.key)) add(item.key, item, item.source);
      else problems.push(`${item.key} from ${item.origin}: ${unknownKey(item.key, catalog)}`);
    }
  }
  return entries;
}
