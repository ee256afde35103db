import { type ConfigCatalog, missingSectionHint } from './catalog.ts';
import type { DeferredValue } from './deferred.ts';

/**
 * One source of configuration values (a file, the environment, flags), flattened to dotted leaf keys so that
 * precedence is decided per key and every value remembers where it came from.
 */

export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

export interface LayerEntry {
  value: unknown;
  /** Where the value came from, as shown in errors: `env LIFT_PORT`, `lift.config.json`. */
  origin: string;
}

export interface Layer<S extends string = ConfigSource> {
  source: S;
  entries: Map<string, LayerEntry>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Flattens a nested config object (file contents, flags, createLift input). Unknown keys and non-objects
 * where a group is expected become problems naming `origin`; `undefined` values are skipped, so a CLI parser
 * may pass every flag it knows.
 */
export function flattenInput(
  input: unknown,
  origin: string,
  problems: string[],
  catalog: ConfigCatalog,
  recorded?: ReadonlyMap<string, LayerEntry>,
  defer?: Defer,
): Map<string, LayerEntry> {
  const entries = new Map<string, LayerEntry>();
  if (input === undefined) return entries;
  if (!isPlainObject(input)) {
    problems.push(`${origin}: must be an object of config keys, got ${describeType(input)}`);
    return entries;
  }
  walk(input, '', { origin, entries, problems, catalog, recorded, defer });
  return entries;
}

interface Walk {
  origin: string;
  entries: Map<string, LayerEntry>;
  problems: string[];
  catalog: ConfigCatalog;
  /** What set each key, when the input is a config Lift parsed before (load.ts). */
  recorded: ReadonlyMap<string, LayerEntry> | undefined;
  defer: Defer | undefined;
}

/** Where the values of sections no module of the catalog owns go, instead of problems (deferred.ts). */
export interface Defer {
  into: DeferredValue[];
  source: ConfigSource;
}

function walk(input: Record<string, unknown>, prefix: string, state: Walk): void {
  const { origin, entries, problems, catalog, recorded } = state;
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const key = prefix ? `${prefix}.${name}` : name;
    if (catalog.byName.has(key)) {
      entries.set(key, { value, origin: recorded?.get(key)?.origin ?? origin });
    } else if (recorded !== undefined && !catalog.groups.has(key)) {
      // A parsed config holds every section of the modules it was parsed with: defaults of a section this app
      // does not have drop out; a key some source set there is an error naming that source.
      for (const [setKey, entry] of recorded) {
        if (setKey === key || setKey.startsWith(`${key}.`))
          problems.push(`${setKey} from ${entry.origin}: ${unknownKey(setKey, catalog)}`);
      }
    } else if (state.defer !== undefined && prefix === '' && !catalog.groups.has(key)) {
      deferLeaves(value, key, origin, state.defer);
    } else if (catalog.groups.has(key)) {
      if (isPlainObject(value)) walk(value, key, state);
      else problems.push(`${key} from ${origin}: must be an object, got ${describeType(value)}`);
    } else {
      problems.push(`${key} from ${origin}: ${unknownKey(key, catalog)}`);
    }
  }
}

/** `unknown key` with a hint: the key it is a typo of, or that no module of the app owns its section. */
export function unknownKey(key: string, catalog: ConfigCatalog): string {
  const guess = didYouMean(key, allKeyNames(catalog));
  if (guess !== '') return `unknown key${guess}`;
  const section = key.split('.')[0]!;
  const known = catalog.byName.has(section) || catalog.groups.has(section);
  return `unknown key${known ? '' : missingSectionHint(section, catalog)}`;
}

function deferLeaves(value: unknown, key: string, origin: string, defer: Defer): void {
  if (isPlainObject(value)) {
    for (const [name, inner] of Object.entries(value)) {
      if (inner !== undefined) deferLeaves(inner, `${key}.${name}`, origin, defer);
    }
  } else {
    defer.into.push({ key, value, origin, source: defer.source });
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function allKeyNames(catalog: ConfigCatalog): string[] {
  return [...catalog.keys.map((k) => k.key), ...catalog.groups];
}

/** ` (did you mean http.bodyLimit?)` when one candidate is a couple of typos away, else `''`. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 5)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export interface MergedEntry<S extends string> extends LayerEntry {
  source: S;
}

/** Per key, the value of the last layer that sets it (layers are given lowest precedence first). */
export function mergeLayers<S extends string>(layers: readonly Layer<S>[]): Map<string, MergedEntry<S>> {
  const merged = new Map<string, MergedEntry<S>>();
  for (const layer of layers) {
    for (const [key, entry] of layer.entries) merged.set(key, { ...entry, source: layer.source });
  }
  return merged;
}

/** Rebuilds the nested input object the schema parses. */
export function unflatten(entries: ReadonlyMap<string, LayerEntry>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, { value }] of entries) {
    const path = key.split('.');
    let node = root;
    for (const segment of path.slice(0, -1)) {
      const child = node[segment];
      if (isPlainObject(child)) {
        node = child;
      } else {
        const created: Record<string, unknown> = {};
        node[segment] = created;
        node = created;
      }
    }
    node[path[path.length - 1]!] = value;
  }
  return root;
}
