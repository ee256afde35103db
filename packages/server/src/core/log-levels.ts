import type { Logger } from 'pino';
import { LiftConfigError } from './errors.ts';
import type { LogLevel } from './logger.ts';

/**
 * Named loggers whose level can be read and changed while the app runs (issue 13: "log level per module,
 * changeable at run time"): `http`, the app's own logger — access lines, handlers' `ctx.log`, core's lines —
 * and one per module, the `log.child({ module })` each module is built with. Each pino child keeps its own
 * level, so turning `identity` to `debug` leaves every other logger as it was. A request's logger is made from
 * `http` on first use and takes the level `http` has then.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The name of the app's own logger in the registry. */
export const HTTP_LOGGER = 'http';

/** `log.modules` entries: `identity=debug`. */
export const MODULE_LEVEL_PATTERN = new RegExp(`^[a-z][a-zA-Z0-9_-]*=(?:${LOG_LEVELS.join('|')})$`);

export interface NamedLogLevel {
  name: string;
  level: LogLevel;
}

export class LogLevels {
  readonly #loggers = new Map<string, Logger>();

  /** Registers (or replaces) a logger under `name`. */
  add(name: string, logger: Logger): void {
    this.#loggers.set(name, logger);
  }

  has(name: string): boolean {
    return this.#loggers.has(name);
  }

  /** Every named logger and its current level, by name. */
  list(): NamedLogLevel[] {
    return [...this.#loggers.keys()].sort().map((name) => ({ name, level: this.level(name)! }));
  }

  /** The current level of a named logger, or undefined when there is none by that name. */
  level(name: string): LogLevel | undefined {
    return this.#loggers.get(name)?.level as LogLevel | undefined;
  }

  /** Sets a named logger's level; undefined when there is none by that name. */
  set(name: string, level: LogLevel): { from: LogLevel; to: LogLevel } | undefined {
    const logger = this.#loggers.get(name);
    if (logger === undefined) return undefined;
    const from = logger.level as LogLevel;
    logger.level = level;
    return { from, to: level };
  }

  /**
   * Applies `log.modules` (`['identity=debug']`) to the registered loggers; a name that is neither `http` nor a
   * module of the app is a configuration error naming the known ones.
   */
  configure(entries: readonly string[]): void {
    const levels = parseModuleLevels(entries);
    const unknown = [...levels.keys()].filter((name) => !this.has(name));
    if (unknown.length > 0) {
      throw new LiftConfigError(
        `log.modules names ${unknown.map((name) => `"${name}"`).join(', ')}, which this app does not have; known: ${[...this.#loggers.keys()].sort().join(', ')}.`,
      );
    }
    for (const [name, level] of levels) this.set(name, level);
  }
}

/** `['identity=debug']` as a map; entries are checked by the config schema (`MODULE_LEVEL_PATTERN`). */
export function parseModuleLevels(entries: readonly string[]): Map<string, LogLevel> {
  const levels = new Map<string, LogLevel>();
  for (const entry of entries) {
    const [name, level] = entry.split('=') as [string, LogLevel];
    if (levels.has(name)) throw new LiftConfigError(`log.modules names "${name}" twice.`);
    levels.set(name, level);
  }
  return levels;
}

/** One registry per app logger; the app's own logger is in it as `http` from the start. */
const registries = new WeakMap<Logger, LogLevels>();

export function logLevelsOf(root: Logger): LogLevels {
  let registry = registries.get(root);
  if (registry === undefined) {
    registry = new LogLevels();
    registry.add(HTTP_LOGGER, root);
    registries.set(root, registry);
  }
  return registry;
}

/**
 * A module's logger: `root.child({ module: name })`, at the level `log.modules` gives the module (else the
 * root's level at the time), registered under the module's name so its level can be changed at run time.
 */
export function moduleLogger(root: Logger, name: string, configured: readonly string[] = []): Logger {
  const logger = root.child({ module: name });
  // Always a level of its own, set on the child itself: a pino child without one follows its parent's (pino's
  // `child(…, { level })` skips a level equal to the parent's), so changing `http` would change the module too.
  logger.level = parseModuleLevels(configured).get(name) ?? root.level;
  logLevelsOf(root).add(name, logger);
  return logger;
}
