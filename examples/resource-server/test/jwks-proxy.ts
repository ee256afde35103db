import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Sits between the resource servers and the issuer for the black-box test: `GET /<name>/jwks.json` is
 * forwarded to the issuer's `/.well-known/jwks.json` and counted per name, so the test sees how often each
 * resource server asked; `target` can change while the issuer restarts (and answers 502 while it is down).
 */
export class JwksProxy {
  target = '';
  readonly requests = new Map<string, number>();
  /** When each name last asked (ms since the epoch). */
  readonly lastAt = new Map<string, number>();
  readonly #server: Server;
  #url = '';

  constructor() {
    this.#server = createServer((request, response) => {
      const name = /^\/([a-z0-9-]+)\/jwks\.json$/.exec(request.url ?? '')?.[1];
      if (name === undefined) {
        response.writeHead(404).end();
        return;
      }
      this.requests.set(name, this.count(name) + 1);
      this.lastAt.set(name, Date.now());
      fetch(`${this.target}/.well-known/jwks.json`)
        .then(async (upstream) => {
          const body = await upstream.text();
          response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
        })
        .catch(() => response.writeHead(502).end());
    });
  }

  count(name: string): number {
    return this.requests.get(name) ?? 0;
  }

  urlFor(name: string): string {
    return `${this.#url}/${name}/jwks.json`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
