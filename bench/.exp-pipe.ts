import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { compileHandler } from '../packages/server/src/core/handler.ts';
import { createLogger } from '../packages/server/src/core/logger.ts';
import { startNodeServer } from '../packages/server/src/core/server.ts';
import {
  accessLog,
  bodyLimit,
  clientIp,
  cors,
  requestId,
  securityHeaders,
  timeout,
} from '../packages/server/src/http/index.ts';

const on = new Set((process.argv[2] ?? '').split(','));
const logger = createLogger({ level: 'warn' });
const app = new Hono();
if (on.has('rid')) app.use('*', requestId({ logger }));
if (on.has('alog')) app.use('*', accessLog({}));
if (on.has('sec')) app.use('*', securityHeaders({}));
if (on.has('cors')) app.use('*', cors({}));
if (on.has('ip')) app.use('*', clientIp({}));
if (on.has('body')) app.use('*', bodyLimit({}));
if (on.has('timeout')) app.use('*', timeout({}));
if (on.has('lifthandler')) {
  const serveIt = compileHandler({ method: 'GET', path: '/hello', runtime: 'node' }, () => ({
    hello: 'world',
  }));
  app.get('/hello', (c) => serveIt(c));
} else app.get('/hello', (c) => c.json({ hello: 'world' }));
if (on.has('liftserver')) await startNodeServer(app.fetch, '127.0.0.1', 4600);
else serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 4600 });
