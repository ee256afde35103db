import {
  constants,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LiftConfigError } from '../../core/errors.ts';
import { signCompact, verifyCompact } from './jws.ts';
import { createSignature, isValidSignature } from './jws-algorithms.ts';
import { JwsError, type JwsErrorReason } from './jws-error.ts';
import type { JwsAlgorithm, KeyResolver, SigningKey, VerificationKey } from './jws-types.ts';

function resolverFor(...keys: VerificationKey[]): KeyResolver {
  return (kid) => keys.find((key) => key.kid === kid);
}

function refusal(run: () => unknown): JwsError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(JwsError);
    expect(error).toMatchObject({ code: 'LIFT_TOKEN_INVALID', status: 401 });
    return error as JwsError;
  }
  return expect.fail('the token was accepted');
}

function expectRefused(run: () => unknown, reason: JwsErrorReason): void {
  expect(refusal(run).reason).toBe(reason);
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

describe('RFC 7515 Appendix A.1 (HS256, header and payload with CRLF and spaces)', () => {
  const key = createSecretKey(
    Buffer.from(
      'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
      'base64url',
    ),
  );
  const signingInput =
    'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
    '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';
  const signature = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const payload = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}';

  it('the received header is the RFC text, CRLF and spaces included', () => {
    expect(Buffer.from(signingInput.split('.')[0]!, 'base64url').toString('utf8')).toBe(
      '{"typ":"JWT",\r\n "alg":"HS256"}',
    );
  });

  it('signing the RFC signing input gives exactly the RFC signature', () => {
    expect(createSignature('HS256', key, signingInput).toString('base64url')).toBe(signature);
  });

  it('the RFC signature verifies over the received bytes', () => {
    expect(isValidSignature('HS256', key, signingInput, Buffer.from(signature, 'base64url'))).toBe(true);
    const reserialised = `${b64(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${b64(payload)}`;
    expect(isValidSignature('HS256', key, reserialised, Buffer.from(signature, 'base64url'))).toBe(false);
  });

  it('verifyCompact checks a CRLF-formatted header as received, not re-serialised', () => {
    // The RFC token has no kid, which Lift requires; the same CRLF layout with a kid goes end to end.
    const header = '{"typ":"JWT",\r\n "alg":"HS256",\r\n "kid":"a1"}';
    const input = `${b64(header)}.${b64(payload)}`;
    const token = `${input}.${createSignature('HS256', key, input).toString('base64url')}`;
    const verified = verifyCompact(token, resolverFor({ kid: 'a1', alg: 'HS256', key }));
    expect(verified.signingInput).toBe(input);
    expect(verified.header).toEqual({ typ: 'JWT', alg: 'HS256', kid: 'a1' });
    expect(Buffer.from(verified.payload).toString('utf8')).toBe(payload);
  });
});

describe('RFC 7520 §4.4 (HMAC-SHA2 integrity protection, HS256)', () => {
  const key: SigningKey = {
    kid: '018c0ae5-4d9b-471b-bfd6-eef314bc7037',
    alg: 'HS256',
    key: createSecretKey(Buffer.from('hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg', 'base64url')),
  };
  const payload =
    'It\u2019s a dangerous business, Frodo, going out your door. You step onto the road, and if you ' +
    "don't keep your feet, there\u2019s no knowing where you might be swept off to.";
  const token =
    'eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9' +
    '.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9h' +
    'ZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3' +
    'ZXB0IG9mZiB0by4' +
    '.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0';

  it('signCompact produces the RFC compact serialization byte for byte', () => {
    expect(signCompact({}, payload, key)).toBe(token);
  });

  it('verifyCompact accepts it and returns the payload bytes', () => {
    const verified = verifyCompact(token, resolverFor(key));
    expect(Buffer.from(verified.payload).toString('utf8')).toBe(payload);
    expect(verified.header).toEqual({ alg: 'HS256', kid: key.kid });
  });
});

describe('RFC 8037 Appendix A.4 and A.5 (Ed25519)', () => {
  const privateJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
    x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  };
  const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x }, format: 'jwk' });
  const signingInput = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc';
  const signature = 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';

  it('the signing input is {"alg":"EdDSA"} over "Example of Ed25519 signing"', () => {
    expect(signingInput).toBe(`${b64('{"alg":"EdDSA"}')}.${b64('Example of Ed25519 signing')}`);
  });

  it('A.4: signing gives exactly the RFC signature', () => {
    expect(createSignature('EdDSA', privateKey, signingInput).toString('base64url')).toBe(signature);
  });

  it('A.5: the RFC signature verifies with the public key, and a flipped bit does not', () => {
    const bytes = Buffer.from(signature, 'base64url');
    expect(isValidSignature('EdDSA', publicKey, signingInput, bytes)).toBe(true);
    bytes[10]! ^= 1;
    expect(isValidSignature('EdDSA', publicKey, signingInput, bytes)).toBe(false);
  });

  it('signCompact with the RFC key verifies through verifyCompact', () => {
    const token = signCompact({ typ: 'JWT' }, { sub: 'u1' }, { kid: 'ed', alg: 'EdDSA', key: privateKey });
    const verified = verifyCompact(token, resolverFor({ kid: 'ed', alg: 'EdDSA', key: publicKey }));
    expect(JSON.parse(Buffer.from(verified.payload).toString('utf8'))).toEqual({ sub: 'u1' });
    expect(verified.header).toEqual({ alg: 'EdDSA', kid: 'ed', typ: 'JWT' });
  });
});

describe('every algorithm signs and verifies', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const pairs: Record<JwsAlgorithm, { privateKey: KeyObject; publicKey: KeyObject }> = {
    EdDSA: ed,
    ES256: ec,
    RS256: rsa,
    PS256: rsa,
    HS256: symmetric(32),
    HS384: symmetric(48),
    HS512: symmetric(64),
  };
  const signatureBytes: Record<JwsAlgorithm, number> = {
    EdDSA: 64,
    ES256: 64,
    RS256: 256,
    PS256: 256,
    HS256: 32,
    HS384: 48,
    HS512: 64,
  };

  const others: Record<JwsAlgorithm, KeyObject> = {
    EdDSA: generateKeyPairSync('ed25519').publicKey,
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
    PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
    HS256: symmetric(32, 8).publicKey,
    HS384: symmetric(48, 8).publicKey,
    HS512: symmetric(64, 8).publicKey,
  };

  function symmetric(bytes: number, fill = 7): { privateKey: KeyObject; publicKey: KeyObject } {
    const key = createSecretKey(Buffer.alloc(bytes, fill));
    return { privateKey: key, publicKey: key };
  }

  for (const [alg, pair] of Object.entries(pairs) as [JwsAlgorithm, (typeof pairs)[JwsAlgorithm]][]) {
    it(`${alg}: round trip, ${signatureBytes[alg]}-byte signature, refused under another key`, () => {
      const token = signCompact({ typ: 'at+jwt' }, { sub: 'u1' }, { kid: 'k', alg, key: pair.privateKey });
      expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(signatureBytes[alg]);
      const verified = verifyCompact(token, resolverFor({ kid: 'k', alg, key: pair.publicKey }));
      expect(verified.header).toEqual({ alg, kid: 'k', typ: 'at+jwt' });
      expect(JSON.parse(Buffer.from(verified.payload).toString('utf8'))).toEqual({ sub: 'u1' });
      const resolveOther = resolverFor({ kid: 'k', alg, key: others[alg] });
      expectRefused(() => verifyCompact(token, resolveOther), 'bad_signature');
    });
  }

  it('PS256 uses a 32-byte salt: a PSS signature with another salt length is refused', () => {
    const input = `${b64('{"alg":"PS256","kid":"k"}')}.${b64('x')}`;
    const salt20 = sign('sha256', Buffer.from(input), {
      key: rsa.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 20,
    });
    const resolve = resolverFor({ kid: 'k', alg: 'PS256', key: rsa.publicKey });
    expectRefused(() => verifyCompact(`${input}.${salt20.toString('base64url')}`, resolve), 'bad_signature');
  });

  it('an RS256 signature is not accepted as PS256, nor the reverse', () => {
    const rs = signCompact({}, 'x', { kid: 'k', alg: 'RS256', key: rsa.privateKey });
    const [, payload, signature] = rs.split('.');
    const asPs = `${b64('{"alg":"PS256","kid":"k"}')}.${payload}.${signature}`;
    const resolve = resolverFor({ kid: 'k', alg: 'PS256', key: rsa.publicKey });
    expectRefused(() => verifyCompact(asPs, resolve), 'bad_signature');
  });

  it('verification also works with the private key (node:crypto derives the public half)', () => {
    const token = signCompact({}, 'x', { kid: 'k', alg: 'ES256', key: ec.privateKey });
    expect(() =>
      verifyCompact(token, resolverFor({ kid: 'k', alg: 'ES256', key: ec.privateKey })),
    ).not.toThrow();
  });
});

describe('signCompact', () => {
  const ed = generateKeyPairSync('ed25519');
  const key: SigningKey = { kid: 'k1', alg: 'EdDSA', key: ed.privateKey };
  const resolve = resolverFor({ kid: 'k1', alg: 'EdDSA', key: ed.publicKey });

  it('encodes bytes as they are, strings as UTF-8 and other values as JSON, without padding', () => {
    const bytes = Uint8Array.of(0, 255, 1);
    const fromBytes = verifyCompact(signCompact({}, bytes, key), resolve);
    expect(Buffer.from(fromBytes.payload)).toEqual(Buffer.from(bytes));
    const text = signCompact({}, 'héllo', key);
    expect(text.split('.')[1]).toBe(b64('héllo'));
    expect(signCompact({}, { a: [1, 2] }, key).split('.')[1]).toBe(b64('{"a":[1,2]}'));
    expect(text).not.toContain('=');
  });

  it('writes alg and kid first, from the key', () => {
    const token = signCompact({ typ: 'JWT', alg: 'EdDSA' }, {}, key);
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).toBe(
      '{"alg":"EdDSA","kid":"k1","typ":"JWT"}',
    );
  });

  it('refuses a header that tries to choose alg or kid', () => {
    expect(() => signCompact({ alg: 'none' }, {}, key)).toThrow(LiftConfigError);
    expect(() => signCompact({ alg: 'HS256' }, {}, key)).toThrow(LiftConfigError);
    expect(() => signCompact({ kid: 'k2' }, {}, key)).toThrow(LiftConfigError);
  });

  it('refuses keys that do not fit the algorithm', () => {
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    const cases: SigningKey[] = [
      { kid: 'x', alg: 'RS256', key: weakRsa },
      { kid: 'x', alg: 'PS256', key: weakRsa },
      { kid: 'x', alg: 'ES256', key: p384 },
      { kid: 'x', alg: 'EdDSA', key: ed.publicKey },
      { kid: 'x', alg: 'EdDSA', key: createSecretKey(Buffer.alloc(32)) },
      { kid: 'x', alg: 'HS256', key: createSecretKey(Buffer.alloc(31)) },
      { kid: 'x', alg: 'HS512', key: createSecretKey(Buffer.alloc(48)) },
      { kid: 'x', alg: 'HS256', key: ed.privateKey },
    ];
    for (const bad of cases) expect(() => signCompact({}, {}, bad), `${bad.alg}`).toThrow(LiftConfigError);
  });
});

describe('verifyCompact key rules', () => {
  it('refuses RSA keys under 2048 bits and short HMAC secrets at verification', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const input = `${b64('{"alg":"RS256","kid":"k"}')}.${b64('x')}`;
    const signature = sign('sha256', Buffer.from(input), weak.privateKey).toString('base64url');
    const resolve = resolverFor({ kid: 'k', alg: 'RS256', key: weak.publicKey });
    expectRefused(() => verifyCompact(`${input}.${signature}`, resolve), 'key_unusable');

    const short = createSecretKey(Buffer.alloc(16, 1));
    const hsInput = `${b64('{"alg":"HS256","kid":"k"}')}.${b64('x')}`;
    const hsToken = `${hsInput}.${createSignature('HS256', short, hsInput).toString('base64url')}`;
    expectRefused(
      () => verifyCompact(hsToken, resolverFor({ kid: 'k', alg: 'HS256', key: short })),
      'key_unusable',
    );
  });

  it('allowedAlgorithms refuses other algorithms before the key is looked up', () => {
    const ed = generateKeyPairSync('ed25519');
    const token = signCompact({}, 'x', { kid: 'k', alg: 'EdDSA', key: ed.privateKey });
    const calls: string[] = [];
    const resolve: KeyResolver = (kid) => {
      calls.push(kid);
      return { kid, alg: 'EdDSA', key: ed.publicKey };
    };
    expectRefused(() => verifyCompact(token, resolve, { allowedAlgorithms: ['ES256'] }), 'alg_not_allowed');
    expect(calls).toEqual([]);
    expect(() => verifyCompact(token, resolve, { allowedAlgorithms: ['ES256', 'EdDSA'] })).not.toThrow();
  });

  it('refuses algorithms Lift does not implement', () => {
    for (const alg of ['ES384', 'RS512', 'hs256', 'EdDsa', 'ES256K']) {
      const token = `${b64(JSON.stringify({ alg, kid: 'k' }))}.${b64('x')}.${b64('sig')}`;
      expectRefused(() => verifyCompact(token, () => undefined), 'alg_not_allowed');
    }
  });
});
