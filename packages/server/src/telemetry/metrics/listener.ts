import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE } from './registry.ts';

/**
 * The separate metrics listener (`metrics.port`): serves only `GET metrics.path`, without authentication — it
 * is meant for a private interface (the default host is 127.0.0.1) that only Prometheus reaches. Everything else
 * is 404; a failed scrape is a 503 whose body says why (never a stack).
 */
export interface MetricsListener {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsListener(options: {
  host: string;
  port: number;
  path: string;
  scrape: () => Promise<string>;
}): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== options.path || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    options.scrape().then(
      (text) => {
        response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  server.keepAliveTimeout = 65_000; // longer than Prometheus's scrape interval default of 60 s
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `http://${host}:${port}${options.path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
