import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { UpgradeHandler } from './module.ts';
import { routeUpgrades } from './upgrades.ts';

/**
 * The Node HTTP server around an app's `fetch`, and its drain: stop accepting, let running requests finish until
 * the deadline, then cut what is left. Node never counts a connection with a request in progress as idle, so
 * closing idle connections repeatedly drains without tracking each request (which would cost every request).
 */

export interface ListeningAddress {
  host: string;
  port: number;
  url: string;
}

export interface NodeServerHandle {
  server: Server;
  address: ListeningAddress;
  /** Stops accepting, waits for in-flight requests up to `deadlineMs`, then closes every connection. */
  close(deadlineMs: number): Promise<{ drained: boolean }>;
}

type FetchFn = (request: Request, env: unknown) => Response | Promise<Response>;

function formatUrl(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export async function startNodeServer(
  fetch: FetchFn,
  host: string,
  port: number,
  upgrades: readonly UpgradeHandler[] = [],
): Promise<NodeServerHandle> {
  const server = createAdaptorServer({ fetch, hostname: host }) as Server;
  routeUpgrades(server, upgrades, fetch);
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
      // Upgraded sockets (WebSockets) are not the HTTP server's to drain: their modules close them first.
      await Promise.all(upgrades.map((handler) => handler.closeAll()));
      let stoppedAll = false;
      const stopped = new Promise<void>((resolve) =>
        server.close(() => {
          stoppedAll = true;
          resolve();
        }),
      );
      // Keep-alive sockets hold the server open; each becomes idle once its response is out, and is closed then.
      const deadline = Date.now() + deadlineMs;
      server.closeIdleConnections();
      while (!stoppedAll && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        server.closeIdleConnections();
      }
      const drained = stoppedAll;
      server.closeAllConnections();
      await stopped;
      return { drained };
    })();
    return closing;
  };

  return { server, address, close };
}
