import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { importDefault } from '../import-module.ts';

/** Looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES: readonly string[] = ['lift.config.ts', 'lift.config.js', 'lift.config.json'];

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

export interface FoundConfigFile {
  /** Absolute path. */
  file: string;
  warnings: string[];
}

export function findConfigFile(cwd: string): FoundConfigFile | undefined {
  const present = CONFIG_FILE_NAMES.filter((name) => existsSync(path.join(cwd, name)));
  const [first, ...ignored] = present;
  if (first === undefined) return undefined;
  const warnings = ignored.length
    ? [`found ${present.join(' and ')} in ${cwd}; using ${first} and ignoring ${ignored.join(', ')}`]
    : [];
  return { file: path.join(cwd, first), warnings };
}

export type ConfigFileResult = { input: unknown } | { problem: string };

/**
 * Reads a config file. A module's default export may be the config object or a (possibly async) function
 * returning it; a function lets the file compute values without running code at import time of the CLI.
 */
export async function readConfigFile(file: string, label: string): Promise<ConfigFileResult> {
  if (!existsSync(file)) return { problem: `${label}: config file not found` };
  const extension = path.extname(file);
  if (extension === '.json') return readJson(file, label);
  if (!MODULE_EXTENSIONS.has(extension)) {
    return { problem: `${label}: unsupported config file type; use .ts, .js or .json` };
  }
  let exported: unknown;
  try {
    exported = await importDefault(file);
  } catch (error) {
    return { problem: `${label}: could not be loaded: ${errorMessage(error)}` };
  }
  if (exported === undefined) return { problem: `${label}: has no default export` };
  if (typeof exported === 'function') {
    try {
      exported = await (exported as () => unknown)();
    } catch (error) {
      return { problem: `${label}: the exported function threw: ${errorMessage(error)}` };
    }
  }
  return { input: exported };
}

function readJson(file: string, label: string): ConfigFileResult {
  try {
    return { input: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (error) {
    return { problem: `${label}: is not valid JSON: ${errorMessage(error)}` };
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
