import { parseArgs } from 'node:util';
import type { LoadedConfig } from '../core/config/index.ts';
import type { LiftConfigInput } from '../core/config/schema.ts';
import { LiftConfigError, LiftError, ValidationError } from '../core/errors.ts';
import { HELP, USAGE } from './help.ts';
import { type CliIo, processIo, writeLine } from './io.ts';
import { liftManifest } from './manifest.ts';
import type { Serving } from './serve.ts';

/**
 * The `lift` command line: `serve`, `migrate`, `config print`. Bad input exits non-zero with one line.
 * Commands import what they need on demand, so `--help` and bad input answer without loading the server.
 * `run` is the command line without the process: it reads and writes only through its `CliIo` and returns the
 * exit code (or the running server); `main` is the process around it.
 */

class UsageError extends Error {}

const COMMON = {
  config: { type: 'string' },
  app: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function flagsFrom(values: Record<string, string | boolean | undefined>): LiftConfigInput {
  const flags: Record<string, unknown> = {};
  if (typeof values.app === 'string') flags.app = values.app;
  if (typeof values.host === 'string') flags.host = values.host;
  if (typeof values.port === 'string') flags.port = values.port;
  if (typeof values.workers === 'string') flags.workers = values.workers;
  return flags as LiftConfigInput;
}

async function load(values: Record<string, string | boolean | undefined>, io: CliIo): Promise<LoadedConfig> {
  const { loadConfig } = await import('../core/config/index.ts');
  const { shippedModules } = await import('../app/index.ts');
  // Every section Lift ships; the app, loaded next, checks the config again against its own module list and
  // reads the sections of its own modules, kept aside until then.
  return loadConfig({
    modules: shippedModules(),
    deferUnknownSections: true,
    env: io.env,
    cwd: io.cwd,
    flags: flagsFrom(values),
    ...(typeof values.config === 'string' ? { configFile: values.config } : {}),
  });
}

async function migrate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: COMMON, allowPositionals: true, strict: true });
  if (values.help) return printHelp(io, 'migrate');
  const action = positionals[0] ?? 'up';
  if (action !== 'up' && action !== 'status')
    throw new UsageError(`unknown migrate action "${action}" (up, status)`);
  const { loadApp } = await import('./load-app.ts');
  const loaded = await load(values, io);
  const app = await loadApp(loaded, io);
  if (loaded.config.app === undefined) {
    // Without the app module Lift cannot know its migrations; saying nothing would read as "none pending".
    writeLine(
      io.stderr,
      "Note: no app given (--app MODULE or config key app): only Lift's own migrations are included.",
    );
  }
  try {
    if (action === 'up') {
      const { applied } = await app.migrate();
      writeLine(
        io.stdout,
        applied.length === 0 ? 'No pending migrations.' : `Applied: ${applied.join(', ')}`,
      );
    } else {
      for (const migration of await app.storage.migrationStatus()) {
        writeLine(
          io.stdout,
          `${migration.executedAt ? migration.executedAt.toISOString() : 'pending                 '}  ${migration.set}/${migration.name}`,
        );
      }
    }
  } finally {
    await app.close();
  }
  return 0;
}

async function users(args: string[], io: CliIo): Promise<number> {
  const options = {
    ...COMMON,
    email: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'boolean' },
  } as const;
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  if (values.help) return printHelp(io, 'users');
  if (positionals[0] !== 'create') throw new UsageError('usage: lift users create --email ADDRESS [--admin]');
  if (typeof values.email !== 'string' || values.email === '') throw new UsageError('--email is required');
  const { loadApp } = await import('./load-app.ts');
  const { createUserWithLink } = await import('../identity/index.ts');
  const app = await loadApp(await load(values, io), io);
  try {
    await app.start({ bootstrapAdmin: false });
    const created = await createUserWithLink(app.module('identity'), {
      email: values.email,
      name: values.name ?? null,
      admin: values.admin === true,
    }).catch((error: unknown) => {
      if (error instanceof ValidationError) throw new UsageError(flagIssues(error, values));
      throw error;
    });
    writeLine(
      io.stdout,
      `Created ${created.user.email} (${created.user.id})${values.admin ? ' with the admin role' : ''}.`,
    );
    writeLine(io.stdout, `One-time set-password link: ${created.link}`);
  } finally {
    await app.close();
  }
  return 0;
}

async function keys(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: COMMON, allowPositionals: true, strict: true });
  if (values.help) return printHelp(io, 'keys');
  if (positionals[0] !== 'rotate') throw new UsageError('usage: lift keys rotate');
  const { loadApp } = await import('./load-app.ts');
  const app = await loadApp(await load(values, io), io);
  try {
    await app.start({ bootstrapAdmin: false });
    // `key.rotated` is written in the transaction that activates the new key.
    const { kid } = await app.events.change<{ kid: string }>(
      (announce) => app.module('tokens').keys.rotate({ announce }),
      (rotated) => [
        { type: 'key.rotated', payload: { actor: 'system', data: { kid: rotated.kid, via: 'cli' } } },
      ],
    );
    writeLine(
      io.stdout,
      `New active signing key: ${kid}. Every node switches within seconds; the previous key keeps verifying until its tokens expire.`,
    );
  } finally {
    await app.close();
  }
  return 0;
}

async function access(args: string[], io: CliIo): Promise<number> {
  const options = {
    ...COMMON,
    user: { type: 'string' },
    permission: { type: 'string' },
    tenant: { type: 'string' },
  } as const;
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  if (values.help) return printHelp(io, 'access');
  if (positionals[0] !== 'check')
    throw new UsageError('usage: lift access check --user ID|EMAIL --permission P [--tenant ID|SLUG]');
  if (!values.user) throw new UsageError('--user is required');
  if (!values.permission) throw new UsageError('--permission is required');
  const { loadApp } = await import('./load-app.ts');
  const { accessCheck } = await import('./access.ts');
  const app = await loadApp(await load(values, io), io);
  try {
    await app.start({ bootstrapAdmin: false });
    return await accessCheck(app, io, {
      user: values.user,
      permission: values.permission,
      ...(values.tenant === undefined ? {} : { tenant: values.tenant }),
    });
  } finally {
    await app.close();
  }
}

async function secret(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: COMMON, allowPositionals: true, strict: true });
  const { SECRET_HELP, resealSecrets } = await import('./secret.ts');
  if (values.help) {
    writeLine(io.stdout, SECRET_HELP);
    return 0;
  }
  if (positionals[0] !== 'reseal') throw new UsageError('usage: lift secret reseal');
  const { loadApp } = await import('./load-app.ts');
  const app = await loadApp(await load(values, io), io);
  try {
    await app.start({ bootstrapAdmin: false });
    return await resealSecrets(app, io);
  } finally {
    await app.close();
  }
}

async function config(args: string[], io: CliIo): Promise<number> {
  const options = { ...COMMON, sources: { type: 'boolean' } } as const;
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  if (values.help) return printHelp(io, 'config');
  if (positionals[0] !== 'print') throw new UsageError('usage: lift config print [--sources]');
  const { formatConfig } = await import('../core/config/index.ts');
  writeLine(io.stdout, formatConfig(await load(values, io), { sources: values.sources === true }));
  return 0;
}

async function openapi(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: COMMON, allowPositionals: false, strict: true });
  if (values.help) return printHelp(io, 'openapi');
  const { loadApp } = await import('./load-app.ts');
  const { openApiDocumentOf } = await import('../app/index.ts');
  const app = await loadApp(await load(values, io), io);
  try {
    writeLine(io.stdout, JSON.stringify(openApiDocumentOf(app), null, 2));
  } finally {
    await app.close();
  }
  return 0;
}

async function serveCommand(args: string[], io: CliIo): Promise<number | Serving | 'watching'> {
  const options = {
    ...COMMON,
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    workers: { type: 'string', short: 'w' },
    watch: { type: 'boolean' },
  } as const;
  const { values } = parseArgs({ args, options, allowPositionals: false, strict: true });
  if (values.help) return printHelp(io, 'serve');
  if (values.watch) {
    const { serveWatching } = await import('./watch.ts');
    await serveWatching(await load(values, io), args);
    return 'watching';
  }
  const { serve } = await import('./serve.ts');
  return serve(await load(values, io), io);
}

async function init(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { help: COMMON.help }, allowPositionals: true });
  if (values.help) return printHelp(io, 'init');
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0)
    throw new UsageError('lift init takes one directory: lift init DIR');
  const { initProject } = await import('./init.ts');
  const files = initProject(dir, io.cwd);
  writeLine(io.stdout, `Wrote ${files.join(', ')} to ${dir}.\nNext: cd ${dir} && npm install && npm start`);
  return 0;
}

function printHelp(io: CliIo, command?: string): number {
  writeLine(io.stdout, command ? (HELP[command] ?? USAGE) : USAGE);
  return 0;
}

function version(): string {
  return liftManifest().version;
}

/**
 * Runs one `lift` command: an exit code when it has finished; for `lift serve`, the running server (stopped
 * with its `close()`). It never exits the process nor installs signal handlers, so a test can run it in its own
 * process. The exception is `lift serve --watch` (`'watching'`), a development loop of child processes that
 * handles the `lift` process's signals itself.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number | Serving | 'watching'> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    writeLine(io.stderr, `lift: ${oneLine(error)}`);
    return error instanceof UsageError || error instanceof TypeError ? 2 : 1;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number | Serving | 'watching'> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      // A bare `lift` did nothing it was asked to: scripts must not read it as success.
      writeLine(io.stderr, USAGE);
      return 2;
    case 'help':
    case '--help':
    case '-h':
      return printHelp(io);
    case '--version':
    case '-v':
      writeLine(io.stdout, version());
      return 0;
    case 'init':
      return init(rest, io);
    case 'serve':
      return serveCommand(rest, io);
    case 'migrate':
      return migrate(rest, io);
    case 'users':
      return users(rest, io);
    case 'keys':
      return keys(rest, io);
    case 'access':
      return access(rest, io);
    case 'config':
      return config(rest, io);
    case 'secret':
      return secret(rest, io);
    case 'openapi':
      return openapi(rest, io);
    default:
      throw new UsageError(`unknown command "${command}"; run lift --help`);
  }
}

/** `--email notanemail: An email address looks like name@example.com.`: the flag, what was given, what is wrong. */
function flagIssues(error: ValidationError, values: Record<string, unknown>): string {
  return error.issues
    .map((issue) => {
      const given = values[issue.path];
      // The value is echoed to a terminal: control characters in it must not act there.
      const shown = typeof given === 'string' ? ` ${given.replace(/\p{Cc}/gu, '?')}` : '';
      return `--${issue.path}${shown}: ${issue.message}`;
    })
    .join('; ');
}

/** One problem on the `lift:` line itself; several as a list under it, one per line. */
function configProblems(error: LiftConfigError): string | undefined {
  const problems = error.extensions.problems;
  if (!Array.isArray(problems) || problems.length === 0) return undefined;
  if (problems.length === 1) return `invalid configuration: ${String(problems[0])}`;
  return [
    `invalid configuration (${problems.length} problems):`,
    ...problems.map((p) => `  - ${String(p)}`),
  ].join('\n');
}

function oneLine(error: unknown): string {
  if (error instanceof LiftConfigError) {
    const listed = configProblems(error);
    if (listed !== undefined) return listed;
  }
  if (error instanceof LiftError) return (error.detail ?? error.message).replace(/\s*\n\s*/g, '; ');
  if (error instanceof Error) return error.message.replace(/\s*\n\s*/g, '; ');
  return String(error);
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}

/** The `lift` process: finite commands exit with their code; `serve` keeps running until SIGTERM/SIGINT. */
export async function main(argv: string[]): Promise<void> {
  const io = processIo();
  const result = await run(argv, io);
  if (typeof result === 'number') {
    // A pipe that is full (`lift openapi | …` past 64 KiB) takes the rest of the output asynchronously: wait for
    // it, or `process.exit` cuts the output off.
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(result);
  }
  if (result !== 'watching') {
    const { stopOnSignals } = await import('./serve.ts');
    stopOnSignals(result, io);
  }
}
