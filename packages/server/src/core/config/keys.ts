import { globalRegistry, type z } from 'zod';

/**
 * The leaf keys of a config schema, read from the schema itself so that the loader, the environment mapping,
 * `lift config print` and docs/configuration.md can never disagree about which keys exist (catalog.ts holds
 * them for one app's schema).
 */

export type ConfigKeyKind = 'string' | 'number' | 'boolean' | 'enum' | 'array';

export interface ConfigKey {
  /** Dotted path: `http.bodyLimit.maxBytes`. */
  key: string;
  path: readonly string[];
  /** `LIFT_HTTP__BODY_LIMIT__MAX_BYTES`. */
  envVar: string;
  kind: ConfigKeyKind;
  /** Allowed values of an enum key. */
  values?: readonly string[];
  /** Bounds of a number key. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** The schema default; `undefined` for optional keys whose default is computed at startup. */
  defaultValue: unknown;
  description: string;
  /** Marked secret in the schema: never shown by `lift config print` or in configuration errors. */
  secret: boolean;
}

export const ENV_PREFIX = 'LIFT_';

/** `bodyLimit` → `BODY_LIMIT`. */
export function envSegment(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function envVarName(path: readonly string[]): string {
  return ENV_PREFIX + path.map(envSegment).join('__');
}

type AnySchema = z.core.$ZodType;

interface Unwrapped {
  inner: AnySchema;
  description: string | undefined;
  secret: boolean;
}

/** Strips default/prefault/optional wrappers, keeping the first description found on the way in. */
function unwrap(schema: AnySchema): Unwrapped {
  let current = schema;
  let description = metadataOf(current)?.description;
  let secret = metadataOf(current)?.secret === true;
  for (;;) {
    const def = current._zod.def;
    if (def.type !== 'default' && def.type !== 'prefault' && def.type !== 'optional') break;
    current = (def as z.core.$ZodDefaultDef | z.core.$ZodPrefaultDef | z.core.$ZodOptionalDef).innerType;
    description ??= metadataOf(current)?.description;
    secret ||= metadataOf(current)?.secret === true;
  }
  return { inner: current, description, secret };
}

function metadataOf(schema: AnySchema): { description?: string; secret?: unknown } | undefined {
  return globalRegistry.get(schema);
}

/** The value at a key path inside a (nested) config object. */
export function valueAt(source: unknown, path: readonly string[]): unknown {
  let current = source;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function leafKey(path: string[], { inner, description, secret }: Unwrapped, defaults: unknown): ConfigKey {
  const key = path.join('.');
  if (!description) throw new Error(`config schema key ${key} has no .describe() text`);
  const base = {
    key,
    path,
    envVar: envVarName(path),
    defaultValue: valueAt(defaults, path),
    description,
    secret,
  };
  const type = inner._zod.def.type;
  switch (type) {
    case 'string':
    case 'boolean':
    case 'array':
      return { ...base, kind: type };
    case 'enum':
      return { ...base, kind: 'enum', values: (inner as z.ZodEnum).options.map(String) };
    case 'number': {
      const number = inner as z.ZodNumber;
      return {
        ...base,
        kind: 'number',
        integer: number.isInt,
        ...explicitBound('min', number.minValue),
        ...explicitBound('max', number.maxValue),
      };
    }
    default:
      throw new Error(`config schema key ${key} has unsupported type ${type}`);
  }
}

/** A bound the schema states, leaving out the ±MAX_SAFE_INTEGER that `.int()` implies. */
function explicitBound(name: 'min' | 'max', value: number | null): { min?: number; max?: number } {
  if (value === null || !Number.isFinite(value) || Math.abs(value) >= Number.MAX_SAFE_INTEGER) return {};
  return { [name]: value };
}

function collect(
  shape: Record<string, AnySchema>,
  prefix: string[],
  defaults: unknown,
  out: ConfigKey[],
): void {
  for (const [name, schema] of Object.entries(shape)) {
    const path = [...prefix, name];
    const unwrapped = unwrap(schema);
    if (unwrapped.inner._zod.def.type === 'object') {
      collect((unwrapped.inner as z.ZodObject).shape, path, defaults, out);
    } else {
      out.push(leafKey(path, unwrapped, defaults));
    }
  }
}

/** Every leaf key of a config schema, in schema order, with the defaults the schema fills in. */
export function collectConfigKeys(schema: z.ZodObject): ConfigKey[] {
  const out: ConfigKey[] = [];
  collect(schema.shape, [], schema.parse({}), out);
  return out;
}
