/** Peer: bare Hono on @hono/node-server, i.e. what Lift builds on, without any of Lift's middleware. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { exitWhenParentExits } from '../harness/parent-watch.ts';
import { listenAddress } from './listen-address.ts';

const app = new Hono();
app.get('/hello', (c) => c.json({ hello: 'world' }));

exitWhenParentExits();
const { host, port } = listenAddress();
serve({ fetch: app.fetch, hostname: host, port });
