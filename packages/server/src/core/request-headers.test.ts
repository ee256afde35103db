import { request } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../http/test-app.ts';
import { requestHeader } from './request-headers.ts';

/** requestHeader on the Node server (raw header scan) must answer exactly as Node's parsed headers would. */
describe('requestHeader on the Node server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const app = new Hono();
    app.get('/h', (c) =>
      c.json({
        forwarded: requestHeader(c, 'x-forwarded-for') ?? null,
        custom: requestHeader(c, 'x-custom') ?? null,
        agent: requestHeader(c, 'user-agent') ?? null,
        missing: requestHeader(c, 'x-missing') ?? null,
      }),
    );
    server = await listen(app);
  });
  afterAll(() => server.close());

  const get = (headers: Record<string, string | string[]>) =>
    new Promise<Record<string, string | null>>((resolve, reject) => {
      const req = request(`${server.url}/h`, { headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve(JSON.parse(body) as Record<string, string | null>));
      });
      req.on('error', reject);
      req.end();
    });

  it('finds headers whatever their case and joins repeated ones like Node', async () => {
    expect(
      await get({ 'X-Custom': 'a', 'X-Forwarded-For': ['203.0.113.1', '198.51.100.2'], 'User-Agent': 'ua' }),
    ).toEqual({ forwarded: '203.0.113.1, 198.51.100.2', custom: 'a', agent: 'ua', missing: null });
  });

  it('keeps the first value of a header that may appear once', async () => {
    expect((await get({ 'User-Agent': ['first', 'second'] })).agent).toBe('first');
  });
});
