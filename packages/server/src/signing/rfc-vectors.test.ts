import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { MemoryKeyValueStore } from '../storage/memory/memory-key-value-store.ts';
import { signSignatureBase } from './algorithms.ts';
import { checkContentDigest, contentDigest } from './content-digest.ts';
import { signatureBase } from './signature-base.ts';
import { signaturePolicy, verifyRequestSignature } from './signature-verifier.ts';
import { type InnerList, parseDictionary } from './structured-fields.ts';

/**
 * The published vectors, byte for byte: RFC 9421 Appendix B.2.5 (hmac-sha256) and B.2.6 (ed25519) over the
 * test request of Appendix B.2, and the Content-Digest values of RFC 9530 Appendix B for `{"hello": "world"}`.
 * HMAC and Ed25519 are deterministic, so the signatures the RFC prints are reproduced exactly, not only
 * verified.
 */

const BODY = new TextEncoder().encode('{"hello": "world"}');
const CREATED = 1618884473;

/** RFC 9421 Appendix B.1.4: the shared secret `test-shared-secret`, base64. */
const SHARED_SECRET =
  'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==';
/** RFC 9421 Appendix B.1.4: `test-key-ed25519`. */
const ED25519_PRIVATE = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`;
const ED25519_PUBLIC = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`;

/** The test request of RFC 9421 Appendix B.2. */
function testRequest(extra: Record<string, string> = {}) {
  return {
    method: 'POST',
    url: 'https://example.com/foo?param=Value&Pet=dog',
    headers: new Headers({
      host: 'example.com',
      date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'content-type': 'application/json',
      'content-digest':
        'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
      'content-length': '18',
      ...extra,
    }),
    body: async () => BODY,
  };
}

function member(field: string, label: string): InnerList {
  return parseDictionary(field).get(label) as InnerList;
}

const B25_INPUT =
  'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"';
const B25_SIGNATURE = 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:';
const B26_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE =
  'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';

describe('RFC 9421 Appendix B.2.5 (hmac-sha256)', () => {
  const base = [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@authority": example.com',
    '"content-type": application/json',
    '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
  ].join('\n');

  it('builds the signature base byte for byte', () => {
    expect(signatureBase(testRequest(), member(B25_INPUT, 'sig-b25'))).toBe(base);
  });

  it('produces the published signature', () => {
    const signature = Buffer.from(signSignatureBase('hmac-sha256', SHARED_SECRET, base)).toString('base64');
    expect(`sig-b25=:${signature}:`).toBe(B25_SIGNATURE);
  });

  it('verifies the published request', async () => {
    const clock = new ManualClock(CREATED * 1000 + 10_000);
    const verified = await verifyRequestSignature(
      testRequest({ 'signature-input': B25_INPUT, signature: B25_SIGNATURE }),
      signaturePolicy({
        keys: { 'test-shared-secret': { alg: 'hmac-sha256', key: SHARED_SECRET } },
        components: ['date', '@authority', 'content-type'],
      }),
      { kv: new MemoryKeyValueStore({ clock }), clock },
    );
    expect(verified).toMatchObject({ label: 'sig-b25', keyid: 'test-shared-secret', created: CREATED });
  });
});

describe('RFC 9421 Appendix B.2.6 (ed25519)', () => {
  const base = [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@method": POST',
    '"@path": /foo',
    '"@authority": example.com',
    '"content-type": application/json',
    '"content-length": 18',
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
  ].join('\n');

  it('builds the signature base byte for byte', () => {
    expect(signatureBase(testRequest(), member(B26_INPUT, 'sig-b26'))).toBe(base);
  });

  it('produces the published signature with the RFC key, whose public half is the published one', () => {
    const key = createPrivateKey(ED25519_PRIVATE);
    expect(createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString().trim()).toBe(
      ED25519_PUBLIC,
    );
    const signature = Buffer.from(signSignatureBase('ed25519', key, base)).toString('base64');
    expect(`sig-b26=:${signature}:`).toBe(B26_SIGNATURE);
  });

  it('verifies the published request with the public key', async () => {
    const clock = new ManualClock(CREATED * 1000);
    const verified = await verifyRequestSignature(
      testRequest({ 'signature-input': B26_INPUT, signature: B26_SIGNATURE }),
      signaturePolicy({
        keys: { 'test-key-ed25519': { alg: 'ed25519', key: ED25519_PUBLIC } },
        components: ['@method', '@path', '@authority'],
      }),
      { kv: new MemoryKeyValueStore({ clock }), clock },
    );
    expect(verified).toMatchObject({ label: 'sig-b26', alg: 'ed25519' });
  });
});

describe('RFC 9421 §2.2 derived components', () => {
  const request = {
    method: 'POST',
    url: 'https://www.example.com/path?param=value&foo=bar&baz=batman&qux=',
    headers: new Headers(),
  };
  const line = (identifier: string) =>
    signatureBase(request, member(`s=(${identifier})`, 's')).split('\n')[0];

  it.each([
    ['"@method"', '"@method": POST'],
    ['"@target-uri"', '"@target-uri": https://www.example.com/path?param=value&foo=bar&baz=batman&qux='],
    ['"@authority"', '"@authority": www.example.com'],
    ['"@scheme"', '"@scheme": https'],
    ['"@request-target"', '"@request-target": /path?param=value&foo=bar&baz=batman&qux='],
    ['"@path"', '"@path": /path'],
    ['"@query"', '"@query": ?param=value&foo=bar&baz=batman&qux='],
    ['"@query-param";name="baz"', '"@query-param";name="baz": batman'],
    ['"@query-param";name="qux"', '"@query-param";name="qux": '],
  ])('%s', (identifier, expected) => {
    expect(line(identifier)).toBe(expected);
  });

  it('re-encodes @query-param names and values (§2.2.8)', () => {
    const encoded = {
      ...request,
      url: 'https://example.com/?var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something',
    };
    const lines = signatureBase(
      encoded,
      member(
        's=("@query-param";name="var" "@query-param";name="bar" "@query-param";name="fa%C3%A7ade%22%3A%20")',
        's',
      ),
    ).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '"@query-param";name="var": this%20is%20a%20big%0Avalue',
      '"@query-param";name="bar": with%20plus%20whitespace',
      '"@query-param";name="fa%C3%A7ade%22%3A%20": something',
    ]);
  });

  it('an empty query is "?", an empty path "/"; @authority drops the default port and lower-cases', () => {
    const bare = { method: 'GET', url: 'HTTPS://Example.COM:443', headers: new Headers() };
    expect(
      signatureBase(bare, member('s=("@query" "@path" "@authority")', 's')).split('\n').slice(0, 3),
    ).toEqual(['"@query": ?', '"@path": /', '"@authority": example.com']);
  });

  it('header fields: trimmed, repeated values joined with ", "', () => {
    const headers = new Headers();
    headers.append('x-list', ' a ');
    headers.append('x-list', 'b');
    expect(signatureBase({ ...request, headers }, member('s=("x-list")', 's')).split('\n')[0]).toBe(
      '"x-list": a, b',
    );
  });
});

describe('RFC 9530 Appendix B digests of {"hello": "world"}', () => {
  it('sha-256 and sha-512 as published', () => {
    expect(contentDigest(BODY, 'sha-256')).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    expect(contentDigest(BODY, 'sha-512')).toBe(
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    );
  });

  it('checks both algorithms of one field, and refuses a field with none it knows', () => {
    const both = `${contentDigest(BODY, 'sha-256')}, ${contentDigest(BODY, 'sha-512')}`;
    expect(checkContentDigest(both, BODY)).toBe('match');
    expect(checkContentDigest(both, new TextEncoder().encode('{"hello": "World"}'))).toBe('mismatch');
    expect(checkContentDigest('md5=:AAAA:', BODY)).toBe('unsupported');
    expect(checkContentDigest('sha-256=abc', BODY)).toBe('malformed');
  });
});
