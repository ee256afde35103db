import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import buildNotesApp from '../../../examples/notes/src/app.ts';
import { documentedCatalog } from '../src/app/generate-config-docs.ts';
import { LIFT_ERRORS } from '../src/app/lift-errors.ts';
import { signUpVerified } from './sessions/verified-user.ts';
import { runLiftInProcess } from './support/lift-in-process.ts';
import { freePort, type LiftProcess, repoRoot, startLift } from './support/lift-process.ts';
import { startRedisServer } from './support/redis-server.ts';
import { freshPostgresSchemaUrl, postgresUrl } from './support/services.ts';
import { decodeJwt, newClient, startTokenApp } from './tokens/token-client.ts';

/**
 * Claims the documentation makes that a machine can check, checked against the running code: the README's
 * list of CLI commands against `lift --help`, the access-token claims of docs/tokens.md against issued tokens,
 * the scaled-shape command of docs/getting-started.md by running it (refused before `lift migrate`), the
 * config keys, variables and event types the docs name against the schema and the emitting code, and the
 * routes they name against the reference app's route table.
 */
vi.setConfig({ testTimeout: 120_000 });

const running: LiftProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

function doc(relative: string): string {
  return readFileSync(path.join(repoRoot, relative), 'utf8');
}

/** Backticked names in a piece of prose: `lift`, `cnf.jkt`. */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
}

/** The commands `lift --help` lists, `migrate [up]` read as `migrate`. */
async function helpCommands(): Promise<string[]> {
  const help = await runLiftInProcess(['--help']);
  expect(help.code).toBe(0);
  const section = help.stdout.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => (line.trim().split(/\s{2,}/)[0] ?? '').replace(/\s*\[[^\]]*\]/g, ''))
    .filter((name) => name !== '');
}

describe('the README and the CLI README list every lift command', () => {
  it('README names exactly the commands lift --help lists', async () => {
    const commands = await helpCommands();
    expect(commands).toContain('keys rotate');
    expect(commands).toContain('access check');
    const row = doc('README.md')
      .split('\n')
      .find((line) => line.startsWith('| `packages/server`'));
    const listed = codeSpans(/the `lift` CLI \(([^)]*)\)/.exec(row ?? '')?.[1] ?? '');
    expect(listed.sort()).toEqual([...commands].sort());
  });

  it('packages/server/src/cli/README.md has a row for every command', async () => {
    const topLevel = [...new Set((await helpCommands()).map((command) => command.split(' ')[0]))];
    const rows = doc('packages/server/src/cli/README.md')
      .split('\n')
      .map((line) => /^\| `lift (\w+)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect([...new Set(rows)].sort()).toEqual(topLevel.sort());
  });
});

describe('docs/tokens.md names the claims access tokens carry', () => {
  const text = doc('docs/tokens.md');
  const claimNames = (part: string | undefined) =>
    codeSpans(part ?? '').filter((name) => /^[a-z_]+(\.[a-z_]+)?$/.test(name));
  const always = claimNames(/claims always present: ([^;]*);/.exec(text)?.[1]);
  const conditional = claimNames(/when they apply: (.*?)\. Tokens carry no/s.exec(text)?.[1]);

  it('lists exactly the claims of a login token, and the conditional ones appear when they apply', async () => {
    expect(always.length).toBeGreaterThan(5);
    expect(conditional.sort()).toEqual(['cnf.jkt', 'tid']);
    const auth = await startTokenApp();
    try {
      const browser = newClient(auth);
      const user = await signUpVerified(browser, 'claims@example.com');
      const login = await newClient(auth).post('/auth/login', {
        email: user.email,
        password: 'correct horse battery staple 42',
        response: 'tokens',
      });
      const pair = (await login.json()) as { access_token: string };
      expect(Object.keys(decodeJwt(pair.access_token).claims).sort()).toEqual([...always].sort());

      const tenant = (await (await browser.post('/tenants', { name: 'Claims', slug: 'claims' })).json()) as {
        tenant: { id: string };
      };
      const switched = await newClient(auth).request('/auth/tenant', {
        method: 'POST',
        json: { tenant_id: tenant.tenant.id },
        headers: { authorization: `Bearer ${pair.access_token}` },
      });
      expect(switched.status, await switched.clone().text()).toBe(200);
      const inTenant = decodeJwt(((await switched.json()) as { access_token: string }).access_token).claims;
      expect(inTenant.tid).toBe(tenant.tenant.id);

      const bound = auth.app.tokens.accessTokens.issue({
        userId: user.userId,
        sid: 'family',
        amr: ['pwd'],
        authTime: auth.clock.now(),
        jkt: 'thumbprint',
      });
      expect(decodeJwt(bound.token).claims.cnf).toEqual({ jkt: 'thumbprint' });
      // Nothing a token can carry goes unnamed: every claim seen is listed.
      const seen = new Set([...Object.keys(inTenant), 'cnf.jkt']);
      expect([...seen].filter((name) => !always.includes(name) && !conditional.includes(name))).toEqual([]);
      expect(text).not.toMatch(/`scope`,|, `scope`/);
    } finally {
      await auth.close();
    }
  });
});

describe.skipIf(!(await postgresUrl()))('docs/getting-started.md: the scaled shape', () => {
  it('starts and is ready with exactly the settings the command gives', async () => {
    const text = doc('docs/getting-started.md');
    const block = /## Run on PostgreSQL and Redis[^\n]*\n+```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const settings = Object.fromEntries(
      [...block.matchAll(/^(LIFT_[A-Z_]+)=(\S+) \\$/gm)].map((match) => [
        match[1] ?? '',
        (match[2] ?? '').replace(/^(['"])(.*)\1$/, '$2'),
      ]),
    );
    expect(settings.LIFT_ENV).toBe('production');

    // The documented hosts do not exist here: the same settings, pointed at this machine's services.
    const schema = await freshPostgresSchemaUrl('docs_scaled');
    const redis = await startRedisServer();
    try {
      const env = {
        ...settings,
        LIFT_SECRET: randomBytes(32).toString('base64'),
        LIFT_STORAGE__URL: schema.url,
        LIFT_STORAGE__KV: redis.url,
        LIFT_STORAGE__BROKER: redis.url,
      };
      const app = ['--app', 'examples/notes/src/app.ts'];
      const workers = ['--workers', /lift serve .*--workers (\d+)/.exec(block)?.[1] ?? ''];
      expect(workers[1]).not.toBe('');
      // Production does not migrate on its own, not even in the cluster primary: serve first is refused.
      const early = await runLiftInProcess(
        ['serve', ...app, ...workers, '--port', String(await freePort())],
        env,
      );
      expect(early.code).not.toBe(0);
      expect(early.stderr).toContain('Run lift migrate --app examples/notes/src/app.ts');
      expect(text).not.toMatch(/primary runs migrations/);
      const migrated = await runLiftInProcess(['migrate', ...app], env);
      expect(migrated.code, migrated.stderr).toBe(0);
      // Cluster workers need a process of their own; each loads the sources, so allow for a busy machine.
      const lift = await startLift([...app, ...workers], env, 60_000);
      running.push(lift);
      expect((await fetch(`${lift.url}/health/ready`)).status).toBe(200);
      await lift.stop();

      // `?schema=` kept every table in its schema, as documented.
      expect(new URL(settings.LIFT_STORAGE__URL ?? '').searchParams.get('schema')).not.toBeNull();
      const client = new pg.Client({ connectionString: await postgresUrl() });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>(
          'select table_name as name from information_schema.tables where table_schema = $1',
          [schema.schema],
        );
        expect(rows.map((row) => row.name)).toEqual(expect.arrayContaining(['lift_users', 'notes']));
      } finally {
        await client.end();
      }
    } finally {
      await redis.stop();
      await schema.drop();
    }
  });
});

/** The prose a reader of Lift meets: the README, docs/ and every module's and the reference app's README. */
function readerDocs(): { file: string; text: string }[] {
  const files = [
    'README.md',
    ...readdirSync(path.join(repoRoot, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
    ...readdirSync(path.join(repoRoot, 'packages/server/src'), { withFileTypes: true })
      .filter(
        (entry) => entry.isDirectory() && existsSync(path.join(entry.parentPath, entry.name, 'README.md')),
      )
      .map((entry) => `packages/server/src/${entry.name}/README.md`),
    'examples/notes/README.md',
  ];
  return files.map((file) => ({ file, text: doc(file) }));
}

/** Inline code spans of a Markdown text, fenced blocks left out (their backticks would pair up the rest). */
function inlineCode(markdown: string): string[] {
  return codeSpans(markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replaceAll('``', ''));
}

/**
 * The event types the server's source emits: the `type` of every object literal that is an event (it has an
 * `actor`, or is written where a type with `subject` and `reason` is expected, as the modules' emit helpers
 * take), read through the type checker so a `type` passed in as a union of literals counts each of them. A
 * `type` whose literal values the checker cannot tell is returned as `?` and fails the test.
 */
function emittedEventTypes(): Set<string> {
  const roots: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) roots.push(full);
    }
  };
  walk(path.join(repoRoot, 'packages/server/src'));
  const program = ts.createProgram(roots, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const types = new Set<string>();
  const inSource = new Set(roots);
  const addLiterals = (expression: ts.Node, fileName: string): void => {
    const value = checker.getTypeAtLocation(expression);
    // A helper passing its own type parameter on (`emit(deps, origin, type, …)`): its callers are scanned.
    if ((value.flags & ts.TypeFlags.TypeParameter) !== 0) return;
    for (const part of value.isUnion() ? value.types : [value]) {
      types.add(part.isStringLiteral() ? part.value : `? ${fileName}`);
    }
  };
  for (const source of program.getSourceFiles()) {
    if (!inSource.has(source.fileName)) continue;
    source.forEachChild(function visit(node): void {
      // `events.emit('auth.logout', …)` and identity's `emit(deps, origin, 'auth.logout', …)`: the argument typed
      // as an event name.
      if (ts.isCallExpression(node)) {
        const callee = ts.isPropertyAccessExpression(node.expression)
          ? node.expression.name
          : node.expression;
        if (callee.getText() === 'emit') {
          const name = node.arguments.find((argument) => {
            const expected = checker.getContextualType(argument);
            const constraint = expected?.isTypeParameter() ? expected.getConstraint() : expected;
            return (
              constraint?.isUnion() === true &&
              constraint.types.every((part) => part.isStringLiteral()) &&
              constraint.types.some((part) => part.isStringLiteral() && part.value === 'auth.logout')
            );
          });
          if (name !== undefined) addLiterals(name, source.fileName);
        }
      }
      // An event spec for `events.change` (`{ type, payload }`), or an event object (`{ type, actor, … }`).
      if (ts.isObjectLiteralExpression(node)) {
        const property = (name: string) =>
          node.properties.find((member) => member.name !== undefined && member.name.getText() === name);
        const typeMember = property('type');
        const isSpec = node.properties.length === 2 && property('payload') !== undefined;
        const isEvent = property('actor') !== undefined || isSpec;
        if (isEvent && typeMember !== undefined) {
          addLiterals(
            ts.isPropertyAssignment(typeMember) ? typeMember.initializer : (typeMember.name ?? typeMember),
            source.fileName,
          );
        }
      }
      node.forEachChild(visit);
    });
  }
  return types;
}

describe('names the docs use are names the code has', () => {
  it('every config key, LIFT_ variable and event type named is real, and every emitted event is named', () => {
    const events = emittedEventTypes();
    expect(events).toContain('auth.login.failed');
    expect(events).toContain('role.deleted'); // passed through a helper as a union of literals
    expect(events).toContain('session.revoked'); // an event spec written with its change (events.change)
    expect([...events].filter((type) => type.startsWith('?'))).toEqual([]);

    const catalog = documentedCatalog();
    const keys = new Set(catalog.keys.map((key) => key.key));
    // A dotted name is checked when it starts like a config key or an event: `http.cors`, `auth.logout`.
    const namespaces = new Set([...catalog.groups, ...events].map((name) => name.split('.')[0]));
    const unknown: string[] = [];
    const named = new Set<string>();
    for (const { file, text } of readerDocs()) {
      for (const span of inlineCode(text)) {
        if (/^[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)+$/.test(span) && !/\.(ts|md|json|js)$/.test(span)) {
          if (!namespaces.has(span.split('.')[0] ?? '')) continue;
          named.add(span);
          if (!keys.has(span) && !catalog.groups.has(span) && !events.has(span))
            unknown.push(`${file}: ${span}`);
        }
        for (const [variable] of span.matchAll(/\bLIFT_[A-Z0-9_]*[A-Z0-9]\b/g)) {
          const known =
            catalog.byEnvVar.has(variable) ||
            LIFT_ERRORS.some((spec) => spec.code === variable) ||
            variable === 'LIFT_ERRORS' ||
            variable.startsWith('LIFT_TEST_');
          if (!known) unknown.push(`${file}: ${variable}`);
        }
      }
    }
    const undocumented = [...events].filter((type) => !named.has(type));
    expect({ unknown, undocumented }).toEqual({ unknown: [], undocumented: [] });
  });

  it('every route the docs name as METHOD /path answers that method in the reference app', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lift-docs-routes-'));
    const app = buildNotesApp({
      env: 'test',
      dataDir,
      log: { level: 'silent' },
      mail: { url: 'memory:' },
      auth: { publicUrl: 'http://lift.test' },
    });
    await app.start();
    try {
      const missing: string[] = [];
      let checked = 0;
      for (const { file, text } of readerDocs()) {
        // `POST /auth/login`, `GET`/`POST /invitations/accept`, `GET\|PATCH /admin/api/roles/:roleId`.
        const routes =
          /\b((?:GET|POST|PUT|PATCH|DELETE)(?:(?:`\/`|\\\|)(?:GET|POST|PUT|PATCH|DELETE))*) (\/[^\s`|,;)?[]*)/g;
        for (const [, methods = '', route = ''] of text.matchAll(routes)) {
          // Any value stands for a `:param`: OPTIONS lists the methods of every path the route table matches.
          const concrete = route.replace(/:[A-Za-z]+/g, 'x').replace(/\.$/, '');
          const response = await app.fetch(new Request(`http://lift.test${concrete}`, { method: 'OPTIONS' }));
          const allowed = (response.headers.get('allow') ?? '').split(', ');
          for (const method of methods.split(/`\/`|\\\|/)) {
            checked += 1;
            if (!allowed.includes(method)) missing.push(`${file}: ${method} ${route} (allowed: ${allowed})`);
          }
        }
      }
      expect(checked).toBeGreaterThan(50);
      expect(missing).toEqual([]);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
