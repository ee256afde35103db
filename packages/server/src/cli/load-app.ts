import path from 'node:path';
import { createLift, LiftApp } from '../app/index.ts';
import type { LoadedConfig } from '../core/config/index.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import { LiftConfigError } from '../core/errors.ts';
import { importDefault } from '../core/import-module.ts';
import { createLogger } from '../core/logger.ts';
import type { CliIo } from './io.ts';

/**
 * Builds the app `lift serve` runs: the module named by `app` (its default export is a LiftApp or a function
 * of the effective config returning one), or a bare Lift server when no app is configured.
 */
export type AppFactory = (config: LiftConfig) => LiftApp | Promise<LiftApp>;

export async function loadApp(loaded: LoadedConfig, io: CliIo): Promise<LiftApp> {
  const { config } = loaded;
  if (config.app === undefined) {
    // Run in a test's process, the bare server logs where the test reads the command's output. An app module
    // builds its own logger, which writes to the process's stdout.
    if (io.stdout === process.stdout) return createLift(config);
    return createLift(config, { logger: createLogger({ level: config.log.level, destination: io.stdout }) });
  }
  const file = path.resolve(io.cwd, config.app);
  let exported: unknown;
  try {
    exported = await importDefault(file);
  } catch (error) {
    // One line, unless it only announces the next (a syntax error: "Transform failed with 1 error:", then where).
    const lines = error instanceof Error ? error.message.split('\n') : [String(error)];
    const reason = lines[0]?.endsWith(':') && lines[1] ? `${lines[0]} ${lines[1]}` : lines[0];
    throw new LiftConfigError(`app ${config.app}: cannot load ${file}: ${reason}`);
  }
  const app = typeof exported === 'function' ? await (exported as AppFactory)(config) : exported;
  if (!(app instanceof LiftApp)) {
    throw new LiftConfigError(
      `app ${config.app}: the default export must be a Lift app or a function (config) => app built with createLift().`,
    );
  }
  return app;
}
