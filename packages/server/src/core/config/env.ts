import { type ConfigCatalog, missingSectionHint } from './catalog.ts';
import type { DeferredValue } from './deferred.ts';
import { type ConfigKey, ENV_PREFIX, envSegment } from './keys.ts';
import { didYouMean, type LayerEntry } from './layer.ts';

/**
 * The environment as a config layer. Every `LIFT_*` variable must name a config key, so a typo such as
 * `LIFT_HTTP__BODYLIMIT__MAX_BYTES` stops startup instead of being silently ignored.
 */

/**
 * `LIFT_*` variables that are not config keys and are left alone: `LIFT_TEST_*` is read by the test suites
 * (`LIFT_TEST_POSTGRES_URL`, `LIFT_TEST_REDIS_URL`).
 */
export const ENV_ALLOWLIST_PREFIXES: readonly string[] = ['LIFT_TEST_'];

export interface EnvironmentLayer {
  entries: Map<string, LayerEntry>;
  problems: string[];
  warnings: string[];
  /** With `deferUnknownSections`, variables of sections no module of the catalog owns (see load.ts). */
  deferred: DeferredValue[];
}

export function readEnvironment(
  env: NodeJS.ProcessEnv,
  catalog: ConfigCatalog,
  options: { deferUnknownSections?: boolean } = {},
): EnvironmentLayer {
  const layer: EnvironmentLayer = { entries: new Map(), problems: [], warnings: [], deferred: [] };
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    if (ENV_ALLOWLIST_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    const key = catalog.byEnvVar.get(name);
    if (key) {
      addValue(layer, key, raw, `env ${name}`);
    } else if (options.deferUnknownSections && !knownSection(name, catalog)) {
      layer.deferred.push({ envVar: name, value: raw, origin: `env ${name}`, source: 'env' });
    } else {
      layer.problems.push(`env ${name}: ${unknownVariable(name, catalog)}`);
    }
  }
  applyPortAlias(layer, env, catalog);
  applyNodeEnv(layer, env);
  return layer;
}

function addValue(layer: EnvironmentLayer, key: ConfigKey, raw: string, origin: string): void {
  const parsed = envEntry(key, raw, origin);
  if (parsed === undefined) return;
  if ('problem' in parsed) layer.problems.push(parsed.problem);
  else layer.entries.set(key.key, parsed.entry);
}

/** One variable's value for `key`: an entry, a problem naming the key and origin, or undefined when unset. */
export function envEntry(
  key: ConfigKey,
  raw: string,
  origin: string,
): { entry: LayerEntry } | { problem: string } | undefined {
  if (isUnset(key, raw)) return undefined;
  const parsed = parseEnvValue(key, raw);
  if ('problem' in parsed) return { problem: `${key.key} from ${origin}: ${parsed.problem}` };
  return { entry: { value: parsed.value, origin } };
}

/** `unknown variable, not a Lift config key`, with a hint. */
export function unknownVariable(name: string, catalog: ConfigCatalog): string {
  return `unknown variable, not a Lift config key${unknownVarHint(name, catalog)}`;
}

function knownSection(name: string, catalog: ConfigCatalog): boolean {
  const segment = name.slice(ENV_PREFIX.length).split('__')[0]!;
  return catalog.keys.some((k) => envSegment(k.path[0]!) === segment);
}

/** The variable it is a typo of, or that no module of the app owns its section (`LIFT_TOKENS__…`). */
function unknownVarHint(name: string, catalog: ConfigCatalog): string {
  const guess = didYouMean(name, [...catalog.byEnvVar.keys()]);
  if (guess !== '') return guess;
  if (knownSection(name, catalog)) return '';
  return missingSectionHint(name.slice(ENV_PREFIX.length).split('__')[0]!.toLowerCase(), catalog);
}

/**
 * An empty variable means "not set" (so `LIFT_SECRET=${LIFT_SECRET}` in a compose file with nothing behind it
 * falls back to the default), except for a string key with a non-empty default, where empty is a real value
 * (an empty Content-Security-Policy switches the header off).
 */
function isUnset(key: ConfigKey, raw: string): boolean {
  if (raw !== '') return false;
  return !(key.kind === 'string' && typeof key.defaultValue === 'string' && key.defaultValue !== '');
}

type Parsed = { value: unknown } | { problem: string };

export function parseEnvValue(key: ConfigKey, raw: string): Parsed {
  const text = raw.trim();
  switch (key.kind) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return { value: true };
      if (lower === 'false' || lower === '0') return { value: false };
      return { problem: `must be true, false, 1 or 0, got ${JSON.stringify(raw)}` };
    }
    case 'number': {
      const value = Number(text);
      if (text === '' || !Number.isFinite(value))
        return { problem: `must be a number, got ${JSON.stringify(raw)}` };
      return { value };
    }
    case 'array':
      return parseList(text);
    default:
      return { value: raw };
  }
}

/** A JSON array (`["a","b"]`) or a comma-separated list (`a, b`). */
function parseList(text: string): Parsed {
  if (text.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(text);
      if (Array.isArray(value)) return { value };
    } catch {
      // Falls through to the message below: the variable looked like JSON but was not a JSON array.
    }
    return {
      problem: 'must be a JSON array or a comma-separated list; it starts with [ but is not a JSON array',
    };
  }
  return {
    value: text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  };
}

/** `PORT` is what most platforms (Heroku, Cloud Run, Render) set; `LIFT_PORT` wins when both are present. */
function applyPortAlias(layer: EnvironmentLayer, env: NodeJS.ProcessEnv, catalog: ConfigCatalog): void {
  const port = env.PORT;
  if (port === undefined || port === '') return;
  const portKey = catalog.byEnvVar.get('LIFT_PORT')!;
  const liftPort = env.LIFT_PORT;
  if (liftPort !== undefined && liftPort !== '') {
    if (liftPort.trim() !== port.trim()) {
      layer.warnings.push(`PORT=${port} and LIFT_PORT=${liftPort} are both set; using LIFT_PORT`);
    }
    return;
  }
  addValue(layer, portKey, port, 'env PORT');
}

/**
 * `LIFT_ENV` decides the mode; without it, `NODE_ENV=production` or `test` carries over, because that is what
 * deployments already set. Any other NODE_ENV is reported, since a "staging" that silently runs in
 * development mode would generate its own secret.
 */
function applyNodeEnv(layer: EnvironmentLayer, env: NodeJS.ProcessEnv): void {
  const nodeEnv = env.NODE_ENV;
  if (nodeEnv === undefined || nodeEnv === '') return;
  const liftEnv = layer.entries.get('env');
  if (liftEnv) {
    if (liftEnv.value !== nodeEnv && (nodeEnv === 'production' || liftEnv.value === 'production')) {
      layer.warnings.push(`LIFT_ENV=${String(liftEnv.value)} overrides NODE_ENV=${nodeEnv}`);
    }
    return;
  }
  if (nodeEnv === 'production' || nodeEnv === 'test') {
    layer.entries.set('env', { value: nodeEnv, origin: 'env NODE_ENV' });
  } else if (nodeEnv !== 'development') {
    layer.warnings.push(
      `NODE_ENV=${nodeEnv} is not production or test, so Lift runs in development mode; set LIFT_ENV to choose`,
    );
  }
}
