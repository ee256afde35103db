import { CONFIG_GROUPS, CONFIG_KEY_BY_NAME, CONFIG_KEYS } from './keys.ts';

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
export function flattenInput(input: unknown, origin: string, problems: string[]): Map<string, LayerEntry> {
  const entries = new Map<string, LayerEntry>();
  if (input === undefined) return entries;
  if (!isPlainObject(input)) {
    problems.push(`${origin}: must be an object of config keys, got ${describeType(input)}`);
    return entries;
  }
  walk(input, '', origin, entries, problems);
  return entries;
}

function walk(
  input: Record<string, unknown>,
  prefix: string,
  origin: string,
  entries: Map<string, LayerEntry>,
  problems: string[],
): void {
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const key = prefix ? `${prefix}.${name}` : name;
    if (CONFIG_KEY_BY_NAME.has(key)) {
      entries.set(key, { value, origin });
    } else if (CONFIG_GROUPS.has(key)) {
      if (isPlainObject(value)) walk(value, key, origin, entries, problems);
      else problems.push(`${key} from ${origin}: must be an object, got ${describeType(value)}`);
    } else {
      problems.push(`${key} from ${origin}: unknown key${didYouMean(key, allKeyNames())}`);
    }
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function allKeyNames(): string[] {
  return [...CONFIG_KEYS.map((k) => k.key), ...CONFIG_GROUPS];
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
