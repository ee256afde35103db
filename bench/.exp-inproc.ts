import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { createLogger } from '../packages/server/src/core/logger.ts';
import { createLift } from '../packages/server/src/index.ts';

class NullSocket extends Duplex {
  remoteAddress = '127.0.0.1';
  _read() {}
  last = '';
  _write(c: unknown, _e: unknown, cb: () => void) {
    this.last = String(c);
    cb();
  }
  _writev(c: Array<{ chunk: unknown }>, cb: () => void) {
    this.last = c.map((x) => String(x.chunk)).join('');
    cb();
  }
}

async function run(name: string, fetch: (r: Request, env: unknown) => unknown, n: number) {
  const listener = getRequestListener(fetch as never);
  const socket = new NullSocket();
  const one = () =>
    new Promise<void>((resolve) => {
      const req = new IncomingMessage(socket as never);
      req.method = 'GET';
      req.url = '/hello';
      req.rawHeaders = ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Accept', '*/*'];
      req.headers = { host: '127.0.0.1:3000', 'user-agent': 'bench', accept: '*/*' };
      req.push(null);
      const res = new ServerResponse(req);
      res.assignSocket(socket as never);
      res.on('finish', () => {
        res.detachSocket(socket as never);
        resolve();
      });
      listener(req, res);
    });
  for (let i = 0; i < 5000; i++) await one();
  if (process.env.SHOW) console.log(socket.last);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await one();
  const c1 = process.cpuUsage(c0);
  const t1 = performance.now();
  console.log(
    name.padEnd(12),
    (((t1 - t0) * 1000) / n).toFixed(2),
    'µs wall',
    ((c1.user + c1.system) / n).toFixed(2),
    'µs cpu',
  );
}
const which = process.argv[2] ?? 'both';
const hono = new Hono();
hono.get('/hello', (c) => c.json({ hello: 'world' }));
const honoH = new Hono();
const H = {
  'x-request-id': 'abcdefghijklmnopqrstuv',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'content-type': 'application/json; charset=utf-8',
};
honoH.get('/hello', (c) => c.newResponse(JSON.stringify({ hello: 'world' }), 200, { ...H }));
const off = (k: string) => ({ [k]: { enabled: false } });
const lift = createLift(
  {
    env: 'test',
    log: { level: 'warn' },
    storage: { url: 'sqlite::memory:', kv: 'memory:' },
    http:
      which === 'none'
        ? { ...off('accessLog'), ...off('requestId'), ...off('securityHeaders'), ...off('cors') }
        : {},
  },
  { logger: createLogger({ level: 'warn' }) },
);
lift.get('/hello', () => ({ hello: 'world' }));
if (process.env.ONLY === 'lift') await run('lift-' + which, lift.fetch, 300000);
else
  for (let r = 0; r < 3; r++) {
    await run('hono', hono.fetch, 50000);
    await run('hono+hdrs', honoH.fetch, 50000);
    await run('lift-' + which, lift.fetch, 50000);
  }
process.exit(0);
