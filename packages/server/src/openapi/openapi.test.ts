import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLift, type LiftApp } from '../app/index.ts';
import { optionalAuth, requireAuth } from '../core/authenticate.ts';
import type { LiftConfigInput } from '../core/config/schema.ts';
import { LiftConfigError } from '../core/errors.ts';
import { requireScope } from '../tokens/index.ts';

/**
 * `GET /openapi.json` as a client reads it: Lift's own endpoints and the app's, security from the routes'
 * guards, errors as problem+json with the app's catalogue, every `$ref` pointing somewhere.
 */

// biome-ignore lint/suspicious/noExplicitAny: the parsed document is read key by key in assertions.
type Json = Record<string, any>;

const dirs: string[] = [];
function config(extra: LiftConfigInput = {}): LiftConfigInput {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lift-openapi-'));
  dirs.push(dataDir);
  return { env: 'test', dataDir, log: { level: 'silent' }, ...extra };
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function documentOf(app: LiftApp, at = '/openapi.json'): Promise<Response> {
  return app.fetch(new Request(`http://localhost${at}`));
}

function buildApp(): LiftApp {
  const app = createLift(config(), {
    permissions: { 'reports:read': 'Read reports' },
    errors: [{ code: 'REPORT_LOCKED', status: 423, meaning: 'The report is being written.' }],
  });
  const report = z.object({ id: z.string(), rows: z.array(z.number()) });
  const reports = app.group('/reports/:reportId', requireAuth());
  reports.get('/', {
    summary: 'One report',
    input: {
      params: z.object({ reportId: z.string().max(20) }),
      query: z.object({ full: z.enum(['yes', 'no']).optional() }),
    },
    output: report,
    handler: (_ctx, { params }) => ({ id: params.reportId, rows: [1, 2] }),
  });
  // A guard added to the group after its route still describes the route, as it still guards it.
  reports.use(app.guards.requirePermission('reports:read'));
  app.group('/teaser', optionalAuth()).get('/', () => ({ teaser: true }));
  app.group('/exports', requireAuth(), requireScope('reports:export')).get('/', () => ({ exports: [] }));
  const limits = app.module('limits');
  app
    .group(
      '/orders',
      requireAuth(),
      limits.rateLimit({ policies: [{ name: 'orders', limit: 10, windowSeconds: 60 }] }),
      limits.idempotency(),
    )
    .post('/', () => ({ ok: true }))
    .get('/', () => ({ orders: [] }));
  return app;
}

describe('the document of an app with every Lift module', () => {
  let doc: Json;
  beforeAll(async () => {
    const app = buildApp();
    const response = await documentOf(app);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await response.json()) as Json;
    await app.close();
  });

  it("lists Lift's own endpoints and the app's", () => {
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/auth/signup',
      '/auth/login',
      '/auth/session',
      '/auth/token',
      '/auth/revoke',
      '/tenants',
      '/tenants/{tenantId}/members',
      '/tenants/{tenantId}/invitations',
      '/tenants/{tenantId}/roles',
      '/tenants/{tenantId}/grants',
      '/admin/api/users',
      '/admin/api/roles',
      '/admin/api/grants',
      '/admin/api/keys/rotate',
      '/reports/{reportId}',
      '/teaser',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('describes typed input and output with their zod schemas', () => {
    const signup = doc.paths['/auth/signup'].post;
    expect(signup.requestBody.content['application/json'].schema.required).toEqual(['email', 'password']);
    expect(signup.security).toBeUndefined();
    const report = doc.paths['/reports/{reportId}'].get;
    expect(report.summary).toBe('One report');
    expect(report.parameters).toEqual([
      { name: 'reportId', in: 'path', required: true, schema: { type: 'string', maxLength: 20 } },
      { name: 'full', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
    ]);
    expect(report.responses['200'].content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['id', 'rows'],
      properties: { rows: { type: 'array', items: { type: 'number' } } },
    });
  });

  it('takes security and refusals from the route guards', () => {
    const alternatives = [{ sessionCookie: [] }, { bearerAuth: [] }, { dpop: [] }];
    expect(doc.paths['/auth/session'].get.security).toEqual(alternatives);
    expect(doc.paths['/teaser'].get.security).toEqual([...alternatives, {}]);
    const report = doc.paths['/reports/{reportId}'].get;
    expect(report.security).toEqual(alternatives);
    expect(report['x-lift-permissions']).toEqual(['reports:read']);
    expect(report.responses['401']).toEqual({ $ref: '#/components/responses/Problem401' });
    expect(report.responses['403']).toEqual({ $ref: '#/components/responses/Problem403' });
    expect(doc.paths['/admin/api/users'].get['x-lift-permissions']).toEqual(['users:read']);
    // A scope binds tokens, not sessions.
    expect(doc.paths['/exports'].get.security).toEqual([
      { sessionCookie: [] },
      { bearerAuth: ['reports:export'] },
      { dpop: ['reports:export'] },
    ]);
    expect(doc.paths['/exports'].get.responses['403']).toBeDefined();
    expect(doc.components.securitySchemes).toMatchObject({
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'lift_session' },
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      dpop: { type: 'http', scheme: 'DPoP' },
    });
  });

  it('describes rate limits (429, the policies) and Idempotency-Key (the header, 409, 422) where they apply', () => {
    const create = doc.paths['/orders'].post;
    expect(create['x-lift-rate-limit']).toEqual(['"orders";q=10;w=60']);
    expect(create.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['401', '409', '422', '429']));
    // Limits never forbid: no 403 from them.
    expect(create.responses['403']).toBeUndefined();
    // A GET is not idempotency-keyed: no header, no 409/422, still the 429.
    const list = doc.paths['/orders'].get;
    expect(list.parameters ?? []).not.toContainEqual(expect.objectContaining({ name: 'Idempotency-Key' }));
    expect(Object.keys(list.responses)).not.toContain('409');
    expect(Object.keys(list.responses)).toContain('429');
  });

  it("describes the success answers of every one of Lift's own operations", () => {
    const appsOwn = ['/reports/{reportId}', '/teaser', '/exports', '/orders'];
    const undescribed: string[] = [];
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      if (appsOwn.includes(path)) continue;
      for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
        operations += 1;
        const success = Object.entries(operation.responses as Record<string, Json>).filter(([status]) =>
          /^[23]\d\d$/.test(status),
        );
        const described = success.every(
          ([, response]) => response.content !== undefined || response.description === 'Success, no body.',
        );
        if (success.length === 0 || !described) undescribed.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(operations).toBeGreaterThan(70);
    expect(undescribed).toEqual([]);
  });

  it('describes JSON bodies, bodiless answers and pages', () => {
    const session = doc.paths['/auth/session'].get.responses['200'].content['application/json'].schema;
    expect(session).toMatchObject({ type: 'object', required: ['user', 'session'] });
    expect(session.properties.user.properties.email).toEqual({ type: 'string' });
    expect(doc.paths['/auth/sessions/{id}'].delete.responses['204']).toEqual({
      description: 'Success, no body.',
    });
    expect(doc.paths['/tenants'].post.responses['201'].content['application/json'].schema.required).toEqual([
      'tenant',
      'roles',
    ]);
    expect(Object.keys(doc.paths['/auth/login'].get.responses['200'].content)).toEqual(['text/html']);
    // A negotiated answer: JSON for API clients, a page for a browser.
    expect(Object.keys(doc.paths['/auth/login'].post.responses['200'].content)).toEqual([
      'application/json',
      'text/html',
    ]);
    expect(doc.paths['/health/ready'].get.responses['503'].content['application/json']).toBeDefined();
  });

  it("describes errors once, as problem+json with the app's catalogue", () => {
    const codes = doc.components.schemas.ErrorCode.enum as string[];
    expect(codes).toContain('LIFT_UNAUTHENTICATED');
    expect(codes).toContain('LIFT_PERMISSION_DENIED');
    expect(codes).toContain('REPORT_LOCKED');
    const locked = doc.components.responses.Problem423.content['application/problem+json'].schema;
    expect(locked.allOf[1].properties.code.enum).toEqual(['REPORT_LOCKED']);
    expect(doc.paths['/auth/signup'].post.responses.default).toEqual({
      $ref: '#/components/responses/ProblemDefault',
    });
  });

  it('has every $ref point into the document', () => {
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null) {
        for (const [key, inner] of Object.entries(value)) {
          if (key === '$ref') refs.push(inner as string);
          else walk(inner);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of new Set(refs)) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });
});

describe('serving it', () => {
  it('is off in production unless enabled, and served at openapi.path', async () => {
    const production = { env: 'production', auth: { enabled: false } } as const;
    const off = createLift(config(production));
    expect((await documentOf(off)).status).toBe(404);
    const on = createLift(config({ ...production, openapi: { enabled: true, path: '/api/spec.json' } }));
    on.get('/ping', () => 'pong');
    const response = await documentOf(on, '/api/spec.json');
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Json;
    expect(Object.keys(doc.paths)).toEqual([
      '/health/live',
      '/health/ready',
      '/health',
      '/api/spec.json',
      '/ping',
    ]);
    expect(doc.components.securitySchemes).toEqual({});
  });

  it('refuses an output that is not a zod schema when the route is registered', () => {
    const app = createLift(config({ auth: { enabled: false } }));
    const register = () =>
      app.get('/bad', { input: {}, output: 'string' as unknown as z.ZodType, handler: () => 'x' });
    expect(register).toThrow(LiftConfigError);
    expect(register).toThrow(/GET \/bad: output is not a zod schema/);
  });

  it('types what a handler with an output schema returns (checked by tsc)', async () => {
    const app = createLift(config({ auth: { enabled: false } }));
    const out = z.object({ n: z.number() });
    app.get('/typed', { input: {}, output: out, handler: () => ({ n: 1 }) });
    // @ts-expect-error: with an output schema, the handler returns its shape
    app.get('/mistyped', { input: {}, output: out, handler: () => ({ n: 'one' }) });
    expect((await app.fetch(new Request('http://localhost/typed'))).status).toBe(200);
  });
});
