import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { publicJwk, type SigningKey, signCompact } from '../../src/tokens/jws/index.ts';

/**
 * Test support for the remoteTokens suites: an issuer's JWKS served over real HTTP by a small server that
 * counts its requests and can be told to fail (status, silence, oversize), and tokens signed with the real JWS
 * code of tokens/jws under keys the test controls.
 */

export type JwksMode = 'ok' | 'error' | 'silent' | 'huge';

export interface FakeIssuerKey extends SigningKey {
  key: KeyObject;
}

export function newEd25519Key(kid: string): FakeIssuerKey {
  return { kid, alg: 'EdDSA', key: generateKeyPairSync('ed25519').privateKey };
}

export function newEs256Key(kid: string): FakeIssuerKey {
  return { kid, alg: 'ES256', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
}

export class JwksServer {
  /** Keys published, in order. */
  published: FakeIssuerKey[] = [];
  mode: JwksMode = 'ok';
  /** GET requests received. */
  requests = 0;
  readonly #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((_request, response) => {
      this.requests += 1;
      if (this.mode === 'silent') return;
      if (this.mode === 'error') {
        response.writeHead(500).end('down');
        return;
      }
      const body =
        this.mode === 'huge'
          ? JSON.stringify({ keys: [], padding: 'x'.repeat(200_000) })
          : JSON.stringify({ keys: this.published.map((k) => publicJwk(k.key, k.kid, k.alg)) });
      // Huge bodies are chunked (no Content-Length), so the reader's own cap is what refuses them.
      if (this.mode === 'huge') response.writeHead(200, { 'content-type': 'application/json' });
      else
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
      response.end(body);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    return this.url;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export interface TokenOptions {
  key: FakeIssuerKey;
  now: number;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
}

/** An RFC 9068 access token as a Lift issuer makes it, with `claims` and `header` overriding. */
export function signToken(options: TokenOptions): string {
  const iat = Math.floor(options.now / 1000);
  const claims = {
    iss: 'http://issuer.test',
    sub: 'user-1',
    aud: 'http://api.test',
    exp: iat + 600,
    iat,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    sid: 'family-1',
    amr: ['pwd'],
    auth_time: iat,
    ...options.claims,
  };
  return signCompact({ typ: 'at+jwt', ...options.header }, claims, options.key);
}
