import type { ConfigCatalog } from './catalog.ts';
import { valueAt } from './keys.ts';
import type { ConfigSource } from './layer.ts';
import type { LoadedConfig } from './load.ts';
import { redactValue } from './redact.ts';

export interface FormatConfigOptions {
  /**
   * Print `{ "<dotted key>": { "value": …, "source": "env" } }` for every key instead of the nested config,
   * to answer "where does this value come from?".
   */
  sources?: boolean;
}

/**
 * The effective configuration as JSON for `lift config print`, safe to paste into a ticket: secrets read
 * `***` and passwords inside URLs are masked. Unset optional keys are shown as null so every key is listed.
 */
export function formatConfig(loaded: LoadedConfig, options: FormatConfigOptions = {}): string {
  const { catalog } = loaded;
  if (options.sources) {
    const flat: Record<string, { value: unknown; source: ConfigSource }> = {};
    for (const { key, path } of catalog.keys) {
      flat[key] = {
        value: shown(key, valueAt(loaded.config, path), catalog),
        source: loaded.sources[key] ?? 'default',
      };
    }
    return JSON.stringify(flat, null, 2);
  }
  const nested: Record<string, unknown> = {};
  for (const { key, path } of catalog.keys) {
    setAt(nested, path, shown(key, valueAt(loaded.config, path), catalog));
  }
  return JSON.stringify(nested, null, 2);
}

function shown(key: string, value: unknown, catalog: ConfigCatalog): unknown {
  return redactValue(key, value, catalog) ?? null;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    node[segment] ??= {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
