import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
const n = Number(process.argv[2] ?? 8);
for (let i = 0; i < n; i++)
  app.use('*', async (c, next) => {
    await next();
  });
app.get('/hello', (c) => c.json({ hello: 'world' }));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 4600 });
