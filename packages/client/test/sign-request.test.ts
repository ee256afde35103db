import type { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../server/src/app/create-lift.ts';
import { limitsModule } from '../../server/src/limits/index.ts';
import type { VerificationKey } from '../../server/src/signing/index.ts';
import { signatureOf, signingModule } from '../../server/src/signing/index.ts';
import { type RequestSigningKey, type SignatureAlgorithm, signRequest } from '../src/index.ts';

/**
 * `signRequest` against the server's `requireSignature()` (the server's source, imported relatively, so the
 * round trip is with this branch's verifier): every algorithm, made and used with WebCrypto only as a browser
 * would, is accepted, and the handler sees the body. The RFC 9421 B.2.5 vector is reproduced exactly.
 */

const HMAC_SECRET = crypto.getRandomValues(new Uint8Array(32));

async function keyPair(
  alg: SignatureAlgorithm,
): Promise<{ signing: RequestSigningKey; verifying: VerificationKey }> {
  if (alg === 'hmac-sha256') {
    return {
      signing: { keyid: alg, alg, key: HMAC_SECRET },
      verifying: { alg, key: HMAC_SECRET },
    };
  }
  const params = {
    ed25519: { name: 'Ed25519' },
    'ecdsa-p256-sha256': { name: 'ECDSA', namedCurve: 'P-256' },
    'rsa-pss-sha512': {
      name: 'RSA-PSS',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-512',
    },
  }[alg];
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { signing: { keyid: alg, alg, key: pair.privateKey }, verifying: { alg, key: JSON.stringify(jwk) } };
}

const ALGORITHMS: SignatureAlgorithm[] = ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512'];

describe('signRequest → requireSignature()', () => {
  let app: LiftApp;
  let dataDir: string;
  const signing = new Map<SignatureAlgorithm, RequestSigningKey>();

  beforeAll(async () => {
    const verifying: Record<string, VerificationKey> = {};
    for (const alg of ALGORITHMS) {
      const pair = await keyPair(alg);
      signing.set(alg, pair.signing);
      verifying[alg] = pair.verifying;
    }
    dataDir = mkdtempSync(join(tmpdir(), 'lift-sign-request-'));
    app = createLift(
      { env: 'test', dataDir, log: { level: 'silent' } },
      { modules: [limitsModule(), signingModule()] },
    );
    await app.start();
    const signed = app.module('signing').requireSignature({ keys: verifying });
    app.group('/hooks', signed).post('/orders', async (ctx) => ({
      body: await ctx.json(),
      alg: signatureOf(ctx.raw)?.alg,
    }));
    app
      .group(
        '/reports',
        app.module('signing').requireSignature({
          keys: verifying,
          components: ['@method', '@target-uri', '"@query-param";name="a%20b"'],
        }),
      )
      .get('/', (ctx) => ({ query: ctx.url.search }));
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(ALGORITHMS)('%s: the server accepts what the client signs', async (alg) => {
    const request = await signRequest(
      new Request('https://api.test/hooks/orders?x=1', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"order":1}',
      }),
      signing.get(alg)!,
      { includeAlg: true },
    );
    const response = await app.fetch(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ body: { order: 1 }, alg });
  });

  it('covers @target-uri and @query-param on a GET without a body', async () => {
    const request = await signRequest(
      new Request('https://api.test/reports?a%20b=c+d&z=1'),
      signing.get('ed25519')!,
      { components: ['@method', '@target-uri', '"@query-param";name="a%20b"'] },
    );
    expect((await app.fetch(request)).status).toBe(200);
    const changed = new Request('https://api.test/reports?a%20b=c+e&z=1', { headers: request.headers });
    expect((await app.fetch(changed)).status).toBe(401);
  });

  it('refuses a key that is not for the named algorithm before signing', async () => {
    await expect(
      signRequest(
        new Request('https://api.test/'),
        { ...signing.get('ed25519')!, alg: 'ecdsa-p256-sha256' },
        { components: ['@method'] },
      ),
    ).rejects.toThrow(/not for ecdsa-p256-sha256/);
  });
});

describe('signRequest and RFC 9421 Appendix B.2.5', () => {
  it('reproduces the published hmac-sha256 signature', async () => {
    const secret = Uint8Array.from(
      atob('uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ=='),
      (c) => c.charCodeAt(0),
    );
    const signed = await signRequest(
      new Request('https://example.com/foo?param=Value&Pet=dog', {
        method: 'POST',
        headers: {
          date: 'Tue, 20 Apr 2021 02:07:55 GMT',
          'content-type': 'application/json',
        },
        body: '{"hello": "world"}',
      }),
      { keyid: 'test-shared-secret', alg: 'hmac-sha256', key: secret },
      {
        label: 'sig-b25',
        components: ['date', '@authority', 'content-type'],
        nonce: false,
        clock: { now: () => 1618884473_000 },
      },
    );
    expect(signed.headers.get('signature-input')).toBe(
      'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    );
    expect(signed.headers.get('signature')).toBe('sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:');
  });
});
