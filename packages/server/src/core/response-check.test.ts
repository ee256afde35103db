import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { call, quiet } from '../../test/support/app-request.ts';
import { createLift } from '../app/create-lift.ts';
import { htmlPage } from './handler.ts';

/** Declared responses are checked outside production: a route whose description lies answers 500 saying so. */

const item = z.object({ id: z.string(), tags: z.array(z.object({ name: z.string() })) });

function appIn(env: 'test' | 'development' | 'production') {
  const app = createLift({ ...quiet, env, auth: { enabled: false }, openapi: { enabled: false } });
  app.get('/true', { output: item, handler: () => ({ id: 'a', tags: [{ name: 'x' }] }) });
  app.get('/wrong-type', {
    output: item,
    handler: () => ({ id: 1, tags: [] }) as unknown as z.input<typeof item>,
  });
  app.get('/extra-field', {
    output: item,
    handler: () => ({ id: 'a', tags: [{ name: 'x', secret: 's' }] }),
  });
  app.get('/undeclared-status', {
    output: item,
    handler: (ctx) => {
      ctx.response.status = 201;
      return { id: 'a', tags: [] };
    },
  });
  app.delete('/gone', { responses: { 204: null }, handler: () => undefined });
  app.get('/page', {
    responses: { 200: [item, htmlPage('The item as a page.')] },
    handler: (ctx) =>
      ctx.headers.get('accept') === 'text/html'
        ? new Response('<p>a</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } })
        : { id: 'a', tags: [] },
  });
  app.get('/text-instead', {
    responses: { 200: item },
    handler: () => new Response('a', { headers: { 'content-type': 'text/plain' } }),
  });
  app.get('/refused', {
    output: item,
    handler: () =>
      new Response('{"nope":true}', { status: 409, headers: { 'content-type': 'application/json' } }),
  });
  return app;
}

async function detailOf(response: Response): Promise<string> {
  return ((await response.json()) as { detail: string }).detail;
}

describe('declared responses, outside production', () => {
  const app = appIn('test');

  it('pass answers that match, by status and media type', async () => {
    expect((await call(app, '/true')).status).toBe(200);
    expect((await call(app, '/gone', { method: 'DELETE' })).status).toBe(204);
    expect((await call(app, '/page')).status).toBe(200);
    const page = await call(app, '/page', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<p>a</p>');
  });

  it('refuse a body the schema does not accept, naming the route and the field', async () => {
    const response = await call(app, '/wrong-type');
    expect(response.status).toBe(500);
    const detail = await detailOf(response);
    expect(detail).toContain('GET /wrong-type answered 200');
    expect(detail).toMatch(/id/);
  });

  it('refuse fields the schema does not declare, at any depth', async () => {
    const response = await call(app, '/extra-field');
    expect(response.status).toBe(500);
    expect(await detailOf(response)).toContain('tags[0].secret');
  });

  it('refuse a success status that is not declared, and a media type that is not', async () => {
    expect(await detailOf(await call(app, '/undeclared-status'))).toContain(
      'GET /undeclared-status answered 201',
    );
    expect(await detailOf(await call(app, '/text-instead'))).toContain('text/plain was sent');
  });

  it('let refusals through: problems are described apart', async () => {
    expect((await call(app, '/refused')).status).toBe(409);
  });

  it('check in development too', async () => {
    expect((await call(appIn('development'), '/wrong-type')).status).toBe(500);
  });
});

describe('declared responses, in production', () => {
  it('are not checked: the handler is served as is', async () => {
    const app = appIn('production');
    const response = await call(app, '/extra-field');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'a', tags: [{ name: 'x', secret: 's' }] });
  });
});
