import { describe, expect, it } from 'vitest';
import { call, quiet } from '../../test/support/app-request.ts';
import { createLift } from '../app/create-lift.ts';
import { contextKey } from './context.ts';

describe('Context', () => {
  it('exposes params, query, case-insensitive headers, cookies, request id and values', async () => {
    const app = createLift(quiet);
    const Answer = contextKey<number>('answer');
    app.get('/t/:tenantId/items/:id', (ctx) => {
      ctx.values.set(Answer, 42);
      return {
        params: ctx.params,
        query: ctx.query,
        tags: ctx.queryAll('tag'),
        header: ctx.headers.get('X-CUSTOM'),
        cookies: ctx.cookies,
        requestId: ctx.requestId,
        answer: ctx.values.get(Answer),
        principal: ctx.principal,
        aborted: ctx.signal.aborted,
      };
    });
    const response = await call(app, '/t/acme/items/9?tag=a&tag=b&q=x', {
      headers: { 'x-custom': 'yes', cookie: 'theme=dark; lang=en', 'x-request-id': 'ctx-1' },
    });
    expect(await response.json()).toEqual({
      params: { tenantId: 'acme', id: '9' },
      query: { tag: 'a', q: 'x' },
      tags: ['a', 'b'],
      header: 'yes',
      cookies: { theme: 'dark', lang: 'en' },
      requestId: 'ctx-1',
      answer: 42,
      principal: null,
      aborted: false,
    });
  });

  it('parses bodies by content type and refuses broken JSON with a stable code', async () => {
    const app = createLift(quiet);
    app.post('/body', async (ctx) => ({ body: await ctx.body() }));
    app.post('/json', async (ctx) => ({ json: await ctx.json() }));
    app.post('/text', async (ctx) => ({ text: await ctx.text() }));
    const post = (path: string, type: string, body: string) =>
      call(app, path, { method: 'POST', headers: { 'content-type': type }, body });

    expect(await (await post('/body', 'application/json', '{"a":1}')).json()).toEqual({ body: { a: 1 } });
    expect(await (await post('/body', 'application/x-www-form-urlencoded', 'a=1&b=2')).json()).toEqual({
      body: { a: '1', b: '2' },
    });
    expect(await (await post('/body', 'text/plain', 'hello')).json()).toEqual({ body: 'hello' });
    expect(await (await post('/text', 'application/octet-stream', 'raw')).json()).toEqual({ text: 'raw' });

    const broken = await post('/json', 'application/json', '{"a":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 'LIFT_MALFORMED_BODY' });
    const wrongType = await post('/json', 'text/plain', '{}');
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toMatchObject({ code: 'LIFT_UNSUPPORTED_MEDIA_TYPE' });
  });
});
