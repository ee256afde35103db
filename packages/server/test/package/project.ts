import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, repoRoot } from '../support/lift-process.ts';

/**
 * Test support for the package test: packs the workspaces with `npm pack` (its `prepack` builds them), makes
 * fresh npm projects under the OS temp directory, outside the repository, and runs `npx lift` there.
 */

const exec = promisify(execFile);

/** Every temp directory this file made (tarballs, projects, data, prebuilds); `removeTemporaryDirs` deletes them. */
const made: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTemporaryDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The environment of a user's shell: nothing that points Lift at its sources or steers its settings. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('LIFT_') || key.startsWith('VITEST') || key.startsWith('npm_')) continue;
    if (key === 'NODE_OPTIONS' || key === 'PORT' || key === 'NODE_ENV' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, env: userEnv(env), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${failed.stderr ?? ''}\n${failed.stdout ?? ''}`,
    );
  }
}

/** `npm pack` of @lift/server and @lift/client into a temp directory; returns the tarballs' paths. */
export async function packWorkspaces(): Promise<string[]> {
  const into = tempDir('lift-pack-');
  await run(
    'npm',
    ['pack', '-w', '@lift/server', '-w', '@lift/client', '--pack-destination', into],
    repoRoot,
  );
  return readdirSync(into)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => path.join(into, name));
}

/** The version the repository installed, so the project's install is served from the npm cache. */
function installedVersion(name: string): string {
  const file = path.join(repoRoot, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export type ProjectKind = 'module' | 'commonjs';

/**
 * A fresh project as `npm init -y` makes it (CommonJS), or with `"type": "module"`; installs the tarballs, zod,
 * and what a TypeScript user adds (typescript, @types/node). better-sqlite3 builds or fetches its native module
 * in an install script, which npm runs only for packages the project's `allowScripts` names — as in the repo.
 */
export async function createProject(kind: ProjectKind, tarballs: string[]): Promise<string> {
  const dir = tempDir(`lift-project-${kind}-`);
  await run('npm', ['init', '-y'], dir);
  await install(dir, tarballs, kind);
  return dir;
}

/** `npm install` of the tarballs (over the project's own dependencies) and of what a TypeScript user adds. */
export async function install(dir: string, tarballs: string[], kind?: ProjectKind): Promise<void> {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  if (kind === 'module') pkg.type = 'module';
  pkg.allowScripts = { 'better-sqlite3': true, esbuild: true };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const extras = ['zod', 'typescript', '@types/node'].map((name) => `${name}@${installedVersion(name)}`);
  const install = ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs, ...extras];
  await run('npm', install, dir, await localPrebuilds());
}

/**
 * better-sqlite3's install script (prebuild-install, else a compile of SQLite that takes minutes here) first
 * looks in `npm_config_better_sqlite3_local_prebuilds` for the release archive it would download. Offline, the
 * archive is made from the binary the repository's own install produced; the script still runs as for a user.
 */
async function localPrebuilds(): Promise<Record<string, string>> {
  const packageDir = path.join(repoRoot, 'node_modules', 'better-sqlite3');
  const binary = path.join(packageDir, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(binary)) return {};
  const into = tempDir('lift-prebuilds-');
  const { platform, arch, versions } = process;
  const archive = `better-sqlite3-v${installedVersion('better-sqlite3')}-node-v${versions.modules}-${platform}-${arch}.tar.gz`;
  await run(
    'tar',
    ['-czf', path.join(into, archive), '-C', packageDir, 'build/Release/better_sqlite3.node'],
    into,
  );
  return { npm_config_better_sqlite3_local_prebuilds: into };
}

export interface RunningApp {
  url: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** `npx lift serve --app <file>` in the project, on a free port; resolves once it answers /health/ready. */
export async function serve(dir: string, command: string[]): Promise<RunningApp> {
  const port = await freePort();
  const dataDir = tempDir('lift-project-data-');
  const [program = 'npx', ...args] = command;
  // Its own process group: npx and npm start the server as a grandchild; stop() signals the whole group.
  const child = spawn(program, args, {
    cwd: dir,
    detached: true,
    env: userEnv({ LIFT_DATA_DIR: dataDir, LIFT_PORT: String(port), LIFT_HOST: '127.0.0.1' }),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, () => output);
  return { url, dataDir, output: () => output, stop: () => stop(child) };
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`lift exited with ${child.exitCode}:\n${output()}`);
    const ready = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (ready?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`lift did not get ready in 30 s:\n${output()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      resolve(); // the group is gone already
    }
  });
}
