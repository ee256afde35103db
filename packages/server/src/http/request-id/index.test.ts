import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import { requestLog } from '../../core/request-log.ts';
import { captureLogger, createTestApp } from '../test-app.ts';
import { requestId } from './index.ts';

function setup(generate?: () => string) {
  const { logger, lines } = captureLogger();
  const app = createTestApp();
  app.use(requestId(generate ? { logger, generate } : { logger }));
  app.get('/', (c) => {
    requestLog(c)?.info('inside');
    return c.json({ id: c.var.requestId });
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/raw', () => new Response('raw'));
  return { app, lines };
}

describe('requestId', () => {
  it('keeps a well-formed incoming id, echoes it and binds it to the request logger', async () => {
    const { app, lines } = setup();
    const res = await app.request('/', { headers: { 'x-request-id': 'abc.DEF_1:2-3' } });
    expect(res.headers.get('x-request-id')).toBe('abc.DEF_1:2-3');
    expect(await res.json()).toEqual({ id: 'abc.DEF_1:2-3' });
    expect(lines()[0]).toMatchObject({ msg: 'inside', request_id: 'abc.DEF_1:2-3' });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['spaces', 'has space'],
    ['non-ASCII', 'id\u00e9'],
    ['slash', 'a/b'],
    ['log forging', 'id"}{"level":"fatal'],
    ['empty', ''],
  ])('replaces a malformed incoming id (%s) with a generated 128-bit URL-safe one', async (_name, bad) => {
    const { app } = setup();
    const res = await app.request('/', { headers: { 'x-request-id': bad } });
    const id = res.headers.get('x-request-id');
    expect(id).not.toBe(bad);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  });

  it('accepts an id of exactly 128 characters', async () => {
    const { app } = setup();
    const id = 'x'.repeat(128);
    const res = await app.request('/', { headers: { 'x-request-id': id } });
    expect(res.headers.get('x-request-id')).toBe(id);
  });

  it('generates distinct ids and uses the injected generator', async () => {
    const first = await setup().app.request('/');
    const second = await setup().app.request('/');
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
    const res = await setup(() => 'fixed-id').app.request('/');
    expect(res.headers.get('x-request-id')).toBe('fixed-id');
  });

  it('echoes the id on error responses and on responses the handler built itself', async () => {
    const { app } = setup(() => 'gen-1');
    const failed = await app.request('/boom');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-request-id')).toBe('gen-1');
    const raw = await app.request('/raw');
    expect(raw.headers.get('x-request-id')).toBe('gen-1');
  });

  it('uses the configured header name', async () => {
    const logger = createLogger({ level: 'silent' });
    const app = createTestApp();
    app.use(requestId({ logger, header: 'x-correlation-id' }));
    app.get('/', (c) => c.text(c.var.requestId));
    const res = await app.request('/', {
      headers: { 'x-correlation-id': 'corr-1', 'x-request-id': 'other' },
    });
    expect(res.headers.get('x-correlation-id')).toBe('corr-1');
    expect(await res.text()).toBe('corr-1');
  });
});
