/**
 * Peer: Hono with its own request-id and secure-headers middleware — the closest bare-Hono equivalent of the
 * response headers Lift sends by default, so the cost of those headers is visible apart from Lift's pipeline.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { exitWhenParentExits } from '../harness/parent-watch.ts';
import { listenAddress } from './listen-address.ts';

const app = new Hono();
app.use('*', requestId());
app.use('*', secureHeaders());
app.get('/hello', (c) => c.json({ hello: 'world' }));

exitWhenParentExits();
const { host, port } = listenAddress();
serve({ fetch: app.fetch, hostname: host, port });
