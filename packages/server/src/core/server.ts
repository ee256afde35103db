import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

/**
 * The Node HTTP server around an app's `fetch`, with in-flight tracking so `close()` can drain: stop
 * accepting, let running requests finish until the deadline, then cut what is left.
 */

export interface ListeningAddress {
  host: string;
  port: number;
  url: string;
}

export interface NodeServerHandle {
  server: Server;
  address: ListeningAddress;
  /** Number of requests being served right now. */
  inFlight(): number;
  /** Stops accepting, waits for in-flight requests up to `deadlineMs`, then closes every connection. */
  close(deadlineMs: number): Promise<{ drained: boolean }>;
}

type FetchFn = (request: Request, env: unknown) => Response | Promise<Response>;

function formatUrl(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export async function startNodeServer(fetch: FetchFn, host: string, port: number): Promise<NodeServerHandle> {
  const server = createAdaptorServer({ fetch, hostname: host }) as Server;
  const active = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    active.add(res);
    res.once('close', () => active.delete(res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = { host, port: bound.port, url: formatUrl(host, bound.port) };

  let closing: Promise<{ drained: boolean }> | undefined;
  const close = (deadlineMs: number) => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets would hold the server open: finish responses with `Connection: close` and drop idle ones.
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      server.closeIdleConnections();
      const deadline = Date.now() + deadlineMs;
      while (active.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        server.closeIdleConnections();
      }
      const drained = active.size === 0;
      server.closeAllConnections();
      await stopped;
      return { drained };
    })();
    return closing;
  };

  return { server, address, inFlight: () => active.size, close };
}
