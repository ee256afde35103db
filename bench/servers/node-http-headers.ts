/**
 * Peer: raw `node:http` sending the response headers Lift sends by default in production (request id, the
 * security headers, HSTS) with the same body: the floor for a server that sends them. On loopback the extra
 * ~250 bytes per response cost the kernel and the load generator as much as a framework's work does, so Lift's
 * ratio to this target is what its pipeline costs apart from what its headers cost.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exitWhenParentExits } from '../harness/parent-watch.ts';
import { listenAddress } from './listen-address.ts';

const HELLO = JSON.stringify({ hello: 'world' });
const HELLO_LENGTH = String(Buffer.byteLength(HELLO));

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/hello') {
    res.writeHead(200, {
      'x-request-id': randomBytes(16).toString('base64url'),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000',
      'content-type': 'application/json; charset=utf-8',
      'content-length': HELLO_LENGTH,
    });
    res.end(HELLO);
    return;
  }
  res.writeHead(404).end();
});

exitWhenParentExits();
const { host, port } = listenAddress();
server.listen(port, host);
