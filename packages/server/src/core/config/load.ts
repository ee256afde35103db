import path from 'node:path';
import type { z } from 'zod';
import { LiftConfigError } from '../errors.ts';
import { type ConfigCatalog, type ConfigOwner, configCatalog } from './catalog.ts';
import { type DeferredValue, resolveDeferred } from './deferred.ts';
import { readEnvironment } from './env.ts';
import { findConfigFile, readConfigFile } from './file.ts';
import {
  type ConfigSource,
  flattenInput,
  type Layer,
  type MergedEntry,
  mergeLayers,
  unflatten,
} from './layer.ts';
import { redactValue } from './redact.ts';
import type { LiftConfig, LiftConfigInput } from './schema.ts';

export interface LoadConfigOptions {
  /** Where lift.config.* is looked for and relative paths start; default `process.cwd()`. */
  cwd?: string;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Values from the command line; `undefined` members are ignored. Highest precedence. */
  flags?: LiftConfigInput;
  /** An explicit config file (relative to `cwd`) instead of looking for lift.config.{ts,js,json}. */
  configFile?: string;
  /**
   * The modules whose config sections the app has (their `config` fields), merged with core's; default none.
   * The CLI passes Lift's default modules; `createLift` re-checks a loaded config against the app's own list.
   */
  modules?: readonly ConfigOwner[];
  /**
   * Keep values of sections no module of `modules` owns (an app's own module's `LIFT_NOTES__*`) for
   * `createLift` to read against the app's modules, instead of refusing them here (deferred.ts). The `lift`
   * command sets it; they are not in the returned `config`.
   */
  deferUnknownSections?: boolean;
}

export interface LoadedConfig {
  config: LiftConfig;
  /** For every leaf key (`http.bodyLimit.maxBytes`), the source its value came from. */
  sources: Record<string, ConfigSource>;
  /** Absolute path of the config file that was read, if any. */
  configFile?: string;
  /** Things worth telling the operator that do not stop startup. */
  warnings: string[];
  /** The schema and keys the config was read with. */
  catalog: ConfigCatalog;
}

/**
 * Which keys of a config this file produced some source set (leaf key → value and origin), kept beside the config
 * object so that `parseConfig` can check it again against another module list and still name each value's
 * source. Only keys a source set are kept: sections of modules an app leaves out vanish unless someone set
 * one of their keys, which is then an error naming where it was set.
 */
const provenance = new WeakMap<object, Provenance>();

interface Provenance {
  entries: ReadonlyMap<string, MergedEntry<string>>;
  /** Values of sections the config's modules did not own, for another module list to read. */
  deferred: readonly DeferredValue[];
}

/**
 * Builds the effective configuration. Precedence, lowest first: schema defaults, the config file, the
 * environment, flags. Every problem in every source is collected into one LiftConfigError, each line naming
 * the key and the source, so an operator fixes them all in one round.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const catalog = configCatalog(options.modules);
  const problems: string[] = [];
  const warnings: string[] = [];
  const layers: Layer[] = [];
  const deferred: DeferredValue[] = [];
  const defer = (source: ConfigSource) =>
    options.deferUnknownSections ? { into: deferred, source } : undefined;

  let configFile: string | undefined;
  if (options.configFile !== undefined) {
    configFile = path.resolve(cwd, options.configFile);
  } else {
    const found = findConfigFile(cwd);
    configFile = found?.file;
    warnings.push(...(found?.warnings ?? []));
  }
  if (configFile !== undefined) {
    const label = displayPath(cwd, configFile);
    const read = await readConfigFile(configFile, label);
    if ('problem' in read) problems.push(read.problem);
    else {
      const entries = flattenInput(read.input, label, problems, catalog, undefined, defer('file'));
      layers.push({ source: 'file', entries });
    }
  }

  const environment = readEnvironment(options.env ?? process.env, catalog, options);
  problems.push(...environment.problems);
  warnings.push(...environment.warnings);
  deferred.push(...environment.deferred);
  layers.push({ source: 'env', entries: environment.entries });
  const flags = flattenInput(options.flags, 'flags', problems, catalog, undefined, defer('flag'));
  layers.push({ source: 'flag', entries: flags });

  const merged = mergeLayers(layers);
  const config = validate(merged, problems, catalog, { entries: merged, deferred });
  const sources: Record<string, ConfigSource> = {};
  for (const { key } of catalog.keys) sources[key] = merged.get(key)?.source ?? 'default';
  return { config, sources, ...(configFile === undefined ? {} : { configFile }), warnings, catalog };
}

/**
 * Validates a config object passed to `createLift(config)` with the same rules as loadConfig, against core's
 * sections and those of `modules`; problems name the source `createLift`. A config loadConfig or parseConfig
 * returned keeps naming the source of each key it was given (an env variable of a module the app leaves out is
 * an error naming the variable), and the defaults of sections the app does not have drop out. Parsing such a
 * config with the same modules returns an equal config.
 */
export function parseConfig(input: unknown, modules: readonly ConfigOwner[] = []): LiftConfig {
  const catalog = configCatalog(modules);
  const problems: string[] = [];
  const recorded = typeof input === 'object' && input !== null ? provenance.get(input) : undefined;
  const entries = flattenInput(input, 'createLift', problems, catalog, recorded?.entries);
  const merged: Map<string, MergedEntry<string>> = mergeLayers([{ source: 'createLift', entries }]);
  if (recorded === undefined) return validate(merged, problems, catalog, { entries: merged, deferred: [] });
  const explicit = new Map([...merged].filter(([key]) => recorded.entries.has(key)));
  for (const [key, entry] of resolveDeferred(recorded.deferred, catalog, problems)) {
    merged.set(key, entry);
    explicit.set(key, entry);
  }
  return validate(merged, problems, catalog, { entries: explicit, deferred: [] });
}

function validate<S extends string>(
  merged: ReadonlyMap<string, MergedEntry<S>>,
  problems: string[],
  catalog: ConfigCatalog,
  recorded: Provenance,
): LiftConfig {
  const result = catalog.schema.safeParse(unflatten(merged));
  if (result.success && problems.length === 0) {
    const config = result.data as LiftConfig;
    provenance.set(config, recorded);
    return config;
  }
  const all = [
    ...problems,
    ...(result.success ? [] : result.error.issues.map((i) => describeIssue(i, merged, catalog))),
  ];
  const count = all.length === 1 ? '1 problem' : `${all.length} problems`;
  throw new LiftConfigError(`Invalid configuration (${count}):\n${all.map((p) => `  - ${p}`).join('\n')}`, {
    extensions: { problems: all },
  });
}

function describeIssue<S extends string>(
  issue: z.core.$ZodIssue,
  merged: ReadonlyMap<string, MergedEntry<S>>,
  catalog: ConfigCatalog,
): string {
  const segments = issue.path.map(String);
  let leafLength = segments.length;
  while (leafLength > 0 && !catalog.byName.has(segments.slice(0, leafLength).join('.'))) leafLength--;
  const key = (leafLength > 0 ? segments.slice(0, leafLength) : segments).join('.') || '(root)';
  const entry = merged.get(key);
  const where = entry ? `${key} from ${entry.origin}` : `${key} (default)`;
  const item =
    segments.length > leafLength && leafLength > 0 ? `item ${segments.slice(leafLength).join('.')}: ` : '';
  const shown = entry && !item ? entry.value : undefined;
  return `${where}: ${item}${issueText(issue, key, shown, catalog)}`;
}

function issueText(issue: z.core.$ZodIssue, key: string, value: unknown, catalog: ConfigCatalog): string {
  const got = value === undefined ? '' : `, got ${JSON.stringify(redactValue(key, value, catalog))}`;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${article(issue.expected)}${got}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}${got}`;
    case 'too_small':
      return `must be ${bound(issue.origin, issue.inclusive ? '>=' : '>', 'at least', Number(issue.minimum))}${got}`;
    case 'too_big':
      return `must be ${bound(issue.origin, issue.inclusive ? '<=' : '<', 'at most', Number(issue.maximum))}${got}`;
    case 'unrecognized_keys':
      return `unknown key ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function bound(origin: string, operator: string, words: string, limit: number): string {
  if (origin === 'number' || origin === 'int' || origin === 'bigint') return `${operator} ${limit}`;
  const unit = origin === 'string' ? 'characters' : 'items';
  return `${words} ${limit} ${unit}`;
}

function displayPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
