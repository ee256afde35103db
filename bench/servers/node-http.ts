/** Peer: raw `node:http`, the floor every other target is compared with. */
import { createServer } from 'node:http';
import { exitWhenParentExits } from '../harness/parent-watch.ts';
import { listenAddress } from './listen-address.ts';

const HELLO = JSON.stringify({ hello: 'world' });
const HELLO_LENGTH = String(Buffer.byteLength(HELLO));

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/hello') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': HELLO_LENGTH });
    res.end(HELLO);
    return;
  }
  res.writeHead(404).end();
});

exitWhenParentExits();
const { host, port } = listenAddress();
server.listen(port, host);
