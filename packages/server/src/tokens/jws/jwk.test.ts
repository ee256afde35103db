import { createPrivateKey, createSecretKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LiftConfigError } from '../../core/errors.ts';
import { importJwk, jwkThumbprint, publicJwk } from './jwk.ts';
import { signCompact, verifyCompact } from './jws.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const RFC7638_RSA: JsonWebKey = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknj' +
    'hMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ' +
    'vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK' +
    'nqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

const RFC8037_PRIVATE: JsonWebKey = {
  kty: 'OKP',
  crv: 'Ed25519',
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
};

describe('jwkThumbprint', () => {
  it('RFC 7638 §3.1: the RSA example', () => {
    expect(jwkThumbprint(RFC7638_RSA)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('RFC 8037 Appendix A.3: the Ed25519 example', () => {
    expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: RFC8037_PRIVATE.x })).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    );
  });

  it('ignores optional and private members and the order members come in', () => {
    const reordered: JsonWebKey = {
      use: 'sig',
      e: RFC7638_RSA.e,
      kid: 'other',
      n: RFC7638_RSA.n,
      kty: 'RSA',
    };
    expect(jwkThumbprint(reordered)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(jwkThumbprint(RFC8037_PRIVATE)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('refuses unknown key types and missing or non-string required members', () => {
    expect(() => jwkThumbprint({ kty: 'XYZ', x: 'a' })).toThrow(LiftConfigError);
    expect(() => jwkThumbprint({ x: 'a' })).toThrow(LiftConfigError);
    expect(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'a' })).toThrow(LiftConfigError);
    expect(() => jwkThumbprint(JSON.parse('{"kty":"RSA","n":"a","e":65537}'))).toThrow(LiftConfigError);
  });
});

describe('publicJwk', () => {
  const cases = [
    { alg: 'EdDSA', pair: generateKeyPairSync('ed25519'), members: ['alg', 'crv', 'kid', 'kty', 'use', 'x'] },
    {
      alg: 'ES256',
      pair: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      members: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
    },
    {
      alg: 'RS256',
      pair: generateKeyPairSync('rsa', { modulusLength: 2048 }),
      members: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
    },
  ] as const;

  for (const { alg, pair, members } of cases) {
    it(`${alg}: from the private key, only public members plus kid, alg and use`, () => {
      const jwk = publicJwk(pair.privateKey, 'k1', alg);
      expect(Object.keys(jwk).sort()).toEqual([...members]);
      expect(jwk).toMatchObject({ kid: 'k1', alg, use: 'sig' });
      for (const name of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(name);
      expect(publicJwk(pair.publicKey, 'k1', alg)).toEqual(jwk);
    });

    it(`${alg}: a published key imports back and verifies the private key's tokens`, () => {
      const imported = importJwk(publicJwk(pair.privateKey, 'k1', alg), alg);
      expect(imported.type).toBe('public');
      const token = signCompact({}, { sub: 'u' }, { kid: 'k1', alg, key: pair.privateKey });
      expect(() => verifyCompact(token, (kid) => ({ kid, alg, key: imported }))).not.toThrow();
    });
  }

  it('refuses to publish secret keys and keys that do not fit the algorithm', () => {
    const secret = createSecretKey(Buffer.alloc(32, 3));
    expect(() => publicJwk(secret, 'h', 'HS256')).toThrow(LiftConfigError);
    expect(() => publicJwk(generateKeyPairSync('ed25519').publicKey, 'h', 'HS256')).toThrow(LiftConfigError);
    expect(() => publicJwk(generateKeyPairSync('ed25519').publicKey, 'e', 'ES256')).toThrow(LiftConfigError);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(() => publicJwk(weak, 'r', 'RS256')).toThrow(LiftConfigError);
  });
});

describe('importJwk', () => {
  it('imports the RFC 8037 public key and refuses the same JWK with its private member', () => {
    const { d: _private, ...publicOnly } = RFC8037_PRIVATE;
    expect(importJwk(publicOnly, 'EdDSA').type).toBe('public');
    expect(() => importJwk(RFC8037_PRIVATE, 'EdDSA')).toThrow(/private member d/);
  });

  it('refuses every private RSA member', () => {
    const full = createPrivateKey({
      key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        format: 'pem',
        type: 'pkcs8',
      }),
    }).export({ format: 'jwk' });
    for (const name of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
      const withOne: JsonWebKey = { kty: 'RSA', n: full.n, e: full.e, [name]: full[name] };
      expect(() => importJwk(withOne, 'RS256'), name).toThrow(LiftConfigError);
    }
    expect(importJwk({ kty: 'RSA', n: full.n, e: full.e }, 'PS256').type).toBe('public');
  });

  it('refuses a JWK whose type, curve, alg or use does not fit', () => {
    const { d: _private, ...ed } = RFC8037_PRIVATE;
    expect(() => importJwk(ed, 'ES256')).toThrow(LiftConfigError);
    expect(() => importJwk({ ...ed, crv: 'Ed448' }, 'EdDSA')).toThrow(LiftConfigError);
    expect(() => importJwk({ ...ed, alg: 'ES256' }, 'EdDSA')).toThrow(LiftConfigError);
    expect(() => importJwk({ ...ed, use: 'enc' }, 'EdDSA')).toThrow(LiftConfigError);
    expect(() => importJwk({ ...ed, x: 'not-a-point' }, 'EdDSA')).toThrow(LiftConfigError);
    expect(importJwk({ ...ed, alg: 'EdDSA', use: 'sig', kid: 'k' }, 'EdDSA').type).toBe('public');
  });

  it('imports an oct JWK for HS*, with strict base64url and the RFC 7518 minimum length', () => {
    const k = 'hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg';
    const key = importJwk({ kty: 'oct', k }, 'HS256');
    expect(key.export()).toEqual(Buffer.from(k, 'base64url'));
    expect(() => importJwk({ kty: 'oct', k: `${k}=` }, 'HS256')).toThrow(LiftConfigError);
    expect(() => importJwk({ kty: 'oct', k: k.replace('-', '+') }, 'HS256')).toThrow(LiftConfigError);
    expect(() => importJwk({ kty: 'oct', k }, 'HS384')).toThrow(LiftConfigError);
    expect(() => importJwk({ kty: 'RSA', k }, 'HS256')).toThrow(LiftConfigError);
  });
});
