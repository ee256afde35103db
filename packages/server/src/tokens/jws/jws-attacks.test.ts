import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwk } from './jwk.ts';
import { signCompact, verifyCompact } from './jws.ts';
import { JwsError, type JwsErrorReason } from './jws-error.ts';
import type { KeyResolver, SigningKey, VerificationKey } from './jws-types.ts';

/** The server's own keys; every attack below is run against them. */
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const serverKeys: VerificationKey[] = [
  { kid: 'ed-1', alg: 'EdDSA', key: ed.publicKey },
  { kid: 'rsa-1', alg: 'RS256', key: rsa.publicKey },
  { kid: 'ec-1', alg: 'ES256', key: ec.publicKey },
];
const edSigner: SigningKey = { kid: 'ed-1', alg: 'EdDSA', key: ed.privateKey };

/** Resolves among the server's keys and records every kid it was asked for. */
function recordingResolver(): { resolve: KeyResolver; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    resolve: (kid) => {
      calls.push(kid);
      return serverKeys.find((key) => key.kid === kid);
    },
  };
}
const resolve = recordingResolver().resolve;

function reasonFor(run: () => unknown): JwsErrorReason {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(JwsError);
    expect(error).toMatchObject({ code: 'LIFT_TOKEN_INVALID', status: 401, detail: 'The token is invalid.' });
    return (error as JwsError).reason;
  }
  return expect.fail('the token was accepted');
}

function b64(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

function hs256(input: string, secret: Uint8Array | KeyObject): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

/** A token with this exact header JSON, HMAC-signed with an attacker's secret. */
function forged(header: Record<string, unknown>, payload = '{"sub":"admin"}'): string {
  const input = `${b64(JSON.stringify(header))}.${b64(payload)}`;
  return `${input}.${hs256(input, Buffer.alloc(32, 1))}`;
}

/** Replaces the character at `index` with another base64url character that keeps the segment canonical. */
function flipChar(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('alg none', () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`refuses alg "${alg}" with an empty signature`, () => {
      const input = `${b64(JSON.stringify({ alg, kid: 'ed-1' }))}.${b64('{"sub":"admin"}')}`;
      expect(reasonFor(() => verifyCompact(`${input}.`, resolve))).toBe('alg_none');
      expect(reasonFor(() => verifyCompact(`${b64(JSON.stringify({ alg }))}.${b64('{}')}.`, resolve))).toBe(
        'alg_none',
      );
    });
  }
});

describe('algorithm confusion: HS256 keyed with the server public key', () => {
  const targets = [
    { kid: 'ed-1', key: ed.publicKey },
    { kid: 'rsa-1', key: rsa.publicKey },
  ];
  for (const { kid, key } of targets) {
    const encodings: Record<string, Uint8Array> = {
      PEM: Buffer.from(key.export({ format: 'pem', type: 'spki' })),
      DER: key.export({ format: 'der', type: 'spki' }),
      'JWK JSON': Buffer.from(JSON.stringify(key.export({ format: 'jwk' }))),
    };
    for (const [name, secret] of Object.entries(encodings)) {
      it(`refuses HS256 signed with the ${name} of ${kid} (alg mismatch)`, () => {
        const input = `${b64(JSON.stringify({ alg: 'HS256', kid }))}.${b64('{"sub":"admin"}')}`;
        const token = `${input}.${hs256(input, secret)}`;
        expect(reasonFor(() => verifyCompact(token, resolve))).toBe('alg_mismatch');
      });
    }
  }

  it('refuses a token whose alg names another asymmetric algorithm than the key', () => {
    const token = signCompact({}, '{}', edSigner);
    const [, payload, signature] = token.split('.');
    const relabelled = `${b64('{"alg":"ES256","kid":"ed-1"}')}.${payload}.${signature}`;
    expect(reasonFor(() => verifyCompact(relabelled, resolve))).toBe('alg_mismatch');
  });
});

describe('keys named by the token are never used', () => {
  const attacker = generateKeyPairSync('ed25519');

  it('ignores an embedded jwk: the attacker-signed token fails the signature check', () => {
    const header = { alg: 'EdDSA', kid: 'ed-1', jwk: publicJwk(attacker.publicKey, 'ed-1', 'EdDSA') };
    const input = `${b64(JSON.stringify(header))}.${b64('{"sub":"admin"}')}`;
    const token = `${input}.${b64(sign(null, Buffer.from(input), attacker.privateKey))}`;
    expect(reasonFor(() => verifyCompact(token, resolve))).toBe('bad_signature');
  });

  it('ignores an embedded x5c chain', () => {
    const input = `${b64(JSON.stringify({ alg: 'EdDSA', kid: 'ed-1', x5c: ['MIIB'] }))}.${b64('{}')}`;
    const token = `${input}.${b64(sign(null, Buffer.from(input), attacker.privateKey))}`;
    expect(reasonFor(() => verifyCompact(token, resolve))).toBe('bad_signature');
  });

  describe('jku and x5u', () => {
    let server: Server;
    let origin = '';
    const requested: string[] = [];

    beforeAll(async () => {
      server = createServer((request, response) => {
        requested.push(request.url ?? '');
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [publicJwk(attacker.publicKey, 'ed-1', 'EdDSA')] }));
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((done) => server.close(done));
    });

    it('never fetches them, whether the signature is the attacker’s or the server’s', async () => {
      const header = { alg: 'EdDSA', kid: 'ed-1', jku: `${origin}/jwks`, x5u: `${origin}/cert` };
      const input = `${b64(JSON.stringify(header))}.${b64('{"sub":"admin"}')}`;
      const attackerToken = `${input}.${b64(sign(null, Buffer.from(input), attacker.privateKey))}`;
      expect(reasonFor(() => verifyCompact(attackerToken, resolve))).toBe('bad_signature');

      const serverToken = signCompact({ jku: `${origin}/jwks`, x5u: `${origin}/cert` }, '{}', edSigner);
      expect(verifyCompact(serverToken, resolve)).not.toBeInstanceOf(Promise);

      // A request of our own, sent after both verifications: had they fetched anything, it would be here too.
      await fetch(`${origin}/sentinel`).then((response) => response.text());
      expect(requested).toEqual(['/sentinel']);
    });
  });
});

describe('kid is only ever passed to the resolver', () => {
  for (const kid of ['', '../../../../dev/null', "' OR '1'='1", '|sleep 1']) {
    it(`kid ${JSON.stringify(kid)}: unknown kid, resolver asked for that literal string`, () => {
      const { resolve: recording, calls } = recordingResolver();
      expect(reasonFor(() => verifyCompact(forged({ alg: 'HS256', kid }), recording))).toBe('unknown_kid');
      expect(calls).toEqual([kid]);
    });
  }

  it('a missing, non-string or over-long kid is malformed and never reaches the resolver', () => {
    const { resolve: recording, calls } = recordingResolver();
    for (const header of [
      { alg: 'HS256' },
      { alg: 'HS256', kid: 7 },
      { alg: 'HS256', kid: 'k'.repeat(257) },
    ]) {
      expect(reasonFor(() => verifyCompact(forged(header), recording))).toBe('malformed');
    }
    expect(calls).toEqual([]);
    expect(reasonFor(() => verifyCompact(forged({ alg: 'HS256', kid: 'k'.repeat(256) }), recording))).toBe(
      'unknown_kid',
    );
  });
});

describe('ES256 signature form (CVE-2022-21449 and DER)', () => {
  const input = `${b64('{"alg":"ES256","kid":"ec-1"}')}.${b64('{"sub":"admin"}')}`;
  const order = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

  it('refuses r = s = 0 as 64 zero bytes', () => {
    expect(reasonFor(() => verifyCompact(`${input}.${b64(Buffer.alloc(64))}`, resolve))).toBe(
      'bad_signature',
    );
  });

  it('refuses r = s = 0 in DER (MAYCAQACAQA)', () => {
    expect(reasonFor(() => verifyCompact(`${input}.MAYCAQACAQA`, resolve))).toBe('bad_signature');
  });

  it('refuses r = s = n', () => {
    const signature = Buffer.concat([order, order]);
    expect(reasonFor(() => verifyCompact(`${input}.${b64(signature)}`, resolve))).toBe('bad_signature');
  });

  it('refuses a valid signature re-encoded as DER', () => {
    const der = sign('sha256', Buffer.from(input), ec.privateKey);
    expect(reasonFor(() => verifyCompact(`${input}.${b64(der)}`, resolve))).toBe('bad_signature');
    const raw = sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verifyCompact(`${input}.${b64(raw)}`, resolve).signingInput).toBe(input);
  });
});

describe('header members Lift does not understand', () => {
  it('refuses any crit, whatever its form', () => {
    for (const crit of [['exp'], ['b64'], [], 'exp', null]) {
      expect(
        reasonFor(() => verifyCompact(forged({ alg: 'HS256', kid: 'ed-1', crit, exp: 1 }), resolve)),
      ).toBe('crit_unsupported');
    }
  });

  it('refuses b64 false (and any b64 other than true)', () => {
    expect(reasonFor(() => verifyCompact(forged({ alg: 'EdDSA', kid: 'ed-1', b64: false }), resolve))).toBe(
      'b64_false',
    );
    expect(reasonFor(() => verifyCompact(forged({ alg: 'EdDSA', kid: 'ed-1', b64: 'false' }), resolve))).toBe(
      'b64_false',
    );
    const withTrue = signCompact({ b64: true }, '{}', edSigner);
    expect(verifyCompact(withTrue, resolve).header.b64).toBe(true);
  });
});

describe('tampering', () => {
  const token = signCompact({ typ: 'at+jwt' }, { sub: 'user-1', scope: 'read' }, edSigner);
  const [header, payload, signature] = token.split('.') as [string, string, string];

  it('the untouched token verifies', () => {
    expect(verifyCompact(token, resolve).signingInput).toBe(`${header}.${payload}`);
  });

  it('refuses a changed header', () => {
    const changed = b64(Buffer.from(header, 'base64url').toString().replace('at+jwt', 'at+jwu'));
    expect(reasonFor(() => verifyCompact(`${changed}.${payload}.${signature}`, resolve))).toBe(
      'bad_signature',
    );
  });

  it('refuses a payload with one character changed', () => {
    const tampered = flipChar(token, header.length + 1 + 10);
    expect(reasonFor(() => verifyCompact(tampered, resolve))).toBe('bad_signature');
  });

  it('refuses a signature with one character changed', () => {
    const tampered = flipChar(token, header.length + payload.length + 2 + 10);
    expect(reasonFor(() => verifyCompact(tampered, resolve))).toBe('bad_signature');
  });

  it('refuses a signature from another token', () => {
    const other = signCompact({ typ: 'at+jwt' }, { sub: 'user-2', scope: 'read' }, edSigner);
    expect(reasonFor(() => verifyCompact(`${header}.${payload}.${other.split('.')[2]}`, resolve))).toBe(
      'bad_signature',
    );
  });
});

describe('structure and encoding', () => {
  const token = signCompact({}, { sub: 'u' }, edSigner);
  const [header, payload, signature] = token.split('.') as [string, string, string];

  it('refuses anything but three segments', () => {
    for (const bad of [
      '',
      header,
      `${header}.${payload}`,
      `${token}.`,
      `${token}.${signature}`,
      '..',
      '...',
    ]) {
      expect(
        reasonFor(() => verifyCompact(bad, resolve)),
        bad,
      ).toBe(bad === '..' ? 'bad_json' : 'malformed');
    }
  });

  it('refuses characters outside the base64url alphabet, and padding', () => {
    for (const bad of [
      `${header}.${payload}.${signature.slice(0, 5)}+${signature.slice(6)}`,
      `${header}.${payload}.${signature.slice(0, 5)}/${signature.slice(6)}`,
      `${header}.${payload}.${signature}==`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload} .${signature}`,
      `${header}.${payload}.${signature}\n`,
      `${header}.${payload}.${signature.slice(0, 5)}é${signature.slice(6)}`,
    ]) {
      expect(
        reasonFor(() => verifyCompact(bad, resolve)),
        bad,
      ).toBe('bad_base64url');
    }
  });

  it('refuses non-canonical base64url: trailing bits set, or an impossible length', () => {
    // A 64-byte Ed25519 signature is 86 characters; the last one carries 2 data bits and 4 zero bits.
    const last = signature.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sloppy = alphabet[alphabet.indexOf(last) | 1]!;
    expect(Buffer.from(`${signature.slice(0, -1)}${sloppy}`, 'base64url')).toEqual(
      Buffer.from(signature, 'base64url'),
    );
    expect(
      reasonFor(() => verifyCompact(`${header}.${payload}.${signature.slice(0, -1)}${sloppy}`, resolve)),
    ).toBe('bad_base64url');
    const oneMod4 = (segment: string) => segment + 'A'.repeat((5 - (segment.length % 4)) % 4);
    expect(reasonFor(() => verifyCompact(`${header}.${payload}.${oneMod4(signature)}`, resolve))).toBe(
      'bad_base64url',
    );
    expect(reasonFor(() => verifyCompact(`${header}.${oneMod4(payload)}.${signature}`, resolve))).toBe(
      'bad_base64url',
    );
  });

  it('refuses a header that is not UTF-8', () => {
    for (const bytes of [
      [0x7b, 0xff, 0x7d],
      [0x7b, 0xc0, 0xaf, 0x7d],
      [0x7b, 0xed, 0xa0, 0x80, 0x7d],
    ]) {
      const bad = `${b64(Uint8Array.from(bytes))}.${payload}.${signature}`;
      expect(reasonFor(() => verifyCompact(bad, resolve))).toBe('bad_utf8');
    }
  });

  it('refuses a header that is not a JSON object, including one behind a byte-order mark', () => {
    for (const text of [
      '',
      'null',
      '[]',
      '"EdDSA"',
      '{"alg":"EdDSA"',
      '\ufeff{"alg":"EdDSA","kid":"ed-1"}',
    ]) {
      expect(
        reasonFor(() => verifyCompact(`${b64(text)}.${payload}.${signature}`, resolve)),
        text,
      ).toBe('bad_json');
    }
    expect(reasonFor(() => verifyCompact(`${b64('{"kid":"ed-1"}')}.${payload}.${signature}`, resolve))).toBe(
      'malformed',
    );
  });

  it('refuses a 1 MiB token by its size alone, fast', () => {
    const huge = `${header}.${'A'.repeat(1024 * 1024)}.${signature}`;
    const { resolve: recording, calls } = recordingResolver();
    const timings: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const started = performance.now();
      expect(reasonFor(() => verifyCompact(huge, recording))).toBe('too_large');
      timings.push(performance.now() - started);
    }
    // The best of five: other work on a shared machine only ever adds time to a run.
    expect(Math.min(...timings)).toBeLessThan(5);
    expect(calls).toEqual([]);
  });

  it('checks the size before the shape: even a dotless or non-ASCII blob is too_large', () => {
    expect(reasonFor(() => verifyCompact('\u00e9'.repeat(8193), resolve))).toBe('too_large');
    expect(reasonFor(() => verifyCompact(token, resolve, { maxBytes: token.length - 1 }))).toBe('too_large');
    expect(verifyCompact(token, resolve, { maxBytes: token.length }).signingInput).toBe(
      `${header}.${payload}`,
    );
  });
});
