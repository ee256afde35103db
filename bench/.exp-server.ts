import { createLogger } from '../packages/server/src/core/logger.ts';
import { createLift } from '../packages/server/src/index.ts';

const variant = process.argv[2] ?? 'all';
const off = (k: string) => ({ [k]: { enabled: false } });
const http: Record<string, object> = {
  all: {},
  noAccess: off('accessLog'),
  noReqId: off('requestId'),
  noSec: off('securityHeaders'),
  noCors: off('cors'),
  none: { ...off('accessLog'), ...off('requestId'), ...off('securityHeaders'), ...off('cors') },
};
const app = createLift(
  {
    env: 'test',
    log: { level: 'warn' },
    storage: { url: 'sqlite::memory:', kv: 'memory:' },
    http: http[variant],
  },
  { logger: createLogger({ level: 'warn' }) },
);
app.get('/hello', () => ({ hello: 'world' }));
await app.listen({ port: Number(process.argv[3]) });
console.log('ready');
process.on('SIGINT', () => process.exit(0));
