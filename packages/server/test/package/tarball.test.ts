import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSession, waitForMailLink } from '../support/http-session.ts';
import { commonJsJavaScriptApp, esmJavaScriptApp, typeScriptApp, USER_TSCONFIG } from './apps.ts';
import { importProbe, parseImportCost } from './import-probe.ts';
import {
  createProject,
  install,
  type ProjectKind,
  packWorkspaces,
  type RunningApp,
  removeTemporaryDirs,
  run,
  serve,
} from './project.ts';

/**
 * Black-box: the packages as a user gets them. `npm pack` (which builds), fresh projects outside the repository
 * — `"type": "module"` and npm's default CommonJS — install the tarballs, write the README's app in TypeScript
 * and JavaScript, type-check it with the user's `tsc`, and run `npx lift serve` through signup → verify → login →
 * a guarded route. Slow (a build and two installs, ~1.5 min), so it is its own command: `npm run test:package`
 * (vitest.config.ts leaves it out of `npm test`; .ci/run runs both).
 */

let tarballs: string[] = [];
const running: RunningApp[] = [];

describe('the npm package', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    tarballs = await packWorkspaces();
  }, 600_000);
  afterAll(async () => {
    await Promise.all(running.map((app) => app.stop()));
    removeTemporaryDirs();
  }, 30_000);

  it('packs the build and no tests, fixtures or sources', async () => {
    expect(tarballs.map((file) => path.basename(file)).sort()).toEqual([
      'lift-client-0.1.0.tgz',
      'lift-server-0.1.0.tgz',
    ]);
    for (const tarball of tarballs) {
      const files = (await run('tar', ['-tzf', tarball], path.dirname(tarball))).split('\n').filter(Boolean);
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.d.ts');
      const leaked = files.filter((file) =>
        /\.test\.|conformance|fixture|\/test\/|\/src\/|\.ts$/.test(file.replace(/\.d\.ts$/, '')),
      );
      expect(leaked).toEqual([]);
    }
  });

  for (const kind of ['module', 'commonjs'] as const) {
    it(`installs into a ${kind} project and runs the TypeScript and JavaScript app`, async () => {
      const dir = await createProject(kind, tarballs);
      writeFileSync(path.join(dir, 'app.ts'), typeScriptApp());
      writeFileSync(path.join(dir, 'tsconfig.json'), USER_TSCONFIG);
      await run('npx', ['tsc', '--noEmit', '-p', '.'], dir);
      await signUpAndUseGuardedRoute(await start(dir, 'app.ts'), `ts-${kind}@example.com`);
      writeFileSync(path.join(dir, 'app.js'), javaScriptApp(kind));
      await signUpAndUseGuardedRoute(await start(dir, 'app.js'), `js-${kind}@example.com`);
      if (kind === 'module') await measureImport(dir);
    });
  }

  it('lift init writes a starter that passes its test and starts', async () => {
    const dir = await createProject(
      'module',
      tarballs.filter((file) => file.includes('server')),
    );
    await run('npx', ['lift', 'init', 'starter'], dir);
    const starter = path.join(dir, 'starter');
    await install(
      starter,
      tarballs.filter((file) => file.includes('server')),
    );
    expect(await run('npm', ['test'], starter)).toMatch(/# pass 1/);
    await run('npx', ['tsc', '--noEmit'], starter);
    const lift = await serve(starter, ['npm', 'start']);
    running.push(lift);
    expect(await (await fetch(`${lift.url}/hello`)).json()).toEqual({ hello: 'world' });
    expect((await fetch(`${lift.url}/me`)).status).toBe(401);
    await lift.stop();
  });
});

/**
 * Import cost of the build in a user's project: printed; no heavy dependency may load (CommonJS or ESM), and
 * memory stays within the 80 MB (measured without the probe's ESM hook, whose thread costs memory).
 */
async function measureImport(dir: string): Promise<void> {
  const watched = parseImportCost(
    await run('node', ['--input-type=module', '-e', importProbe('@lift/server')], dir),
  );
  expect(watched.loaded).toEqual([]);
  const cost = parseImportCost(
    await run('node', ['--input-type=module', '-e', importProbe('@lift/server', { watchEsm: false })], dir),
  );
  console.log(`import('@lift/server') from the build: ${cost.ms} ms, ${cost.rssMb} MB RSS`);
  expect(cost.rssMb).toBeLessThanOrEqual(80);
}

function javaScriptApp(kind: ProjectKind): string {
  return kind === 'module' ? esmJavaScriptApp() : commonJsJavaScriptApp();
}

async function start(dir: string, app: string): Promise<RunningApp> {
  const lift = await serve(dir, ['npx', 'lift', 'serve', '--app', `./${app}`]);
  running.push(lift);
  return lift;
}

async function signUpAndUseGuardedRoute(lift: RunningApp, email: string): Promise<void> {
  const password = 'violet kettle marching 1887';
  expect(await (await fetch(`${lift.url}/hello`)).json()).toEqual({ hello: 'world' });
  expect((await fetch(`${lift.url}/mine`)).status).toBe(401);
  const signup = await new HttpSession(lift.url).post('/auth/signup', { email, password });
  expect(signup.status, await signup.text()).toBeLessThan(300);
  const link = await waitForMailLink(lift.dataDir, email, '/auth/email/verify');
  const verify = await new HttpSession(lift.url).post('/auth/email/verify', {
    token: new URL(link).searchParams.get('token'),
  });
  expect(verify.status).toBe(200);
  const user = new HttpSession(lift.url);
  const login = await user.post('/auth/login', { email, password });
  expect(login.status, await login.text()).toBe(200);
  const mine = await user.request('/mine');
  expect(mine.status).toBe(200);
  expect(((await mine.json()) as { id: string }).id).toMatch(/\S/);
  await lift.stop();
}
