/**
 * Peer: Fastify as a production service would run it — its logger on (pino, a line per request and per
 * response, to stdout), @fastify/helmet and @fastify/cors with their defaults.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { exitWhenParentExits } from '../harness/parent-watch.ts';
import { listenAddress } from './listen-address.ts';

const app = Fastify({ logger: true });
await app.register(helmet);
await app.register(cors);
app.get('/hello', async () => ({ hello: 'world' }));

exitWhenParentExits();
const { host, port } = listenAddress();
await app.listen({ host, port });
