/** Peer: Fastify with its defaults (logger off). */
import Fastify from 'fastify';
import { exitWhenParentExits } from '../harness/parent-watch.ts';
import { listenAddress } from './listen-address.ts';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));

exitWhenParentExits();
const { host, port } = listenAddress();
await app.listen({ host, port });
