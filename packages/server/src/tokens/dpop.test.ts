import {
  constants,
  createHmac,
  generateKeyPairSync,
  hash,
  type JsonWebKey,
  type KeyObject,
  sign,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../test/support/services.ts';
import { ManualClock } from '../core/clock.ts';
import { MemoryKeyValueStore } from '../storage/memory/memory-key-value-store.ts';
import { RedisKeyValueStore } from '../storage/redis/redis-key-value-store.ts';
import {
  type DpopAlgorithm,
  DpopError,
  type DpopErrorReason,
  type DpopProofCheck,
  DpopVerifier,
} from './dpop.ts';

const redis = await redisUrl();

const HTU = 'https://api.example.com/notes';
const CHECK: DpopProofCheck = { htm: 'POST', htu: HTU };
/** maxAgeMs (default 60 s) plus the 5 s leeway. */
const WINDOW_MS = 65_000;

interface ProofKey {
  alg: DpopAlgorithm;
  privateKey: KeyObject;
  jwk: JsonWebKey;
}

function proofKey(alg: DpopAlgorithm): ProofKey {
  const { privateKey, publicKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

const KEYS = {
  EdDSA: proofKey('EdDSA'),
  ES256: proofKey('ES256'),
  RS256: proofKey('RS256'),
  PS256: { ...proofKey('RS256'), alg: 'PS256' },
} satisfies Record<DpopAlgorithm, ProofKey>;

function signature(alg: DpopAlgorithm, key: KeyObject, data: Buffer): Buffer {
  switch (alg) {
    case 'EdDSA':
      return sign(null, data, key);
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'PS256':
      return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  }
}

const b64u = (text: string): string => Buffer.from(text).toString('base64url');

let jtiCounter = 0;

interface ProofOptions {
  key?: ProofKey;
  /** Merged over `{ typ, alg, jwk }`; a member set to undefined is removed. */
  header?: Record<string, unknown>;
  /** Merged over `{ jti, htm, htu, iat }`; a member set to undefined is removed. */
  claims?: Record<string, unknown>;
  /** Signs with this key instead of the one whose jwk is in the header. */
  signWith?: KeyObject;
}

/** A proof made the way a client makes one: JSON, base64url, and node:crypto's sign. */
function makeProof(clock: ManualClock, options: ProofOptions = {}): string {
  const key = options.key ?? KEYS.EdDSA;
  const header = { typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...options.header };
  jtiCounter += 1;
  const claims = {
    jti: `jti-${jtiCounter}`,
    htm: 'POST',
    htu: HTU,
    iat: Math.floor(clock.now() / 1000),
    ...options.claims,
  };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const signed = signature(key.alg, options.signWith ?? key.privateKey, Buffer.from(input));
  return `${input}.${signed.toString('base64url')}`;
}

/** RFC 7638, computed here independently of the code under test. */
function thumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return hash('sha256', JSON.stringify(members), 'base64url');
}

function setup(options: { allowedAlgorithms?: DpopAlgorithm[]; maxAgeMs?: number } = {}) {
  const clock = new ManualClock();
  const verifier = new DpopVerifier({ kv: new MemoryKeyValueStore({ clock }), clock, ...options });
  return { clock, verifier };
}

async function refusal(promise: Promise<unknown>): Promise<DpopError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DpopError);
  return error as DpopError;
}

async function expectRefused(promise: Promise<unknown>, reason: DpopErrorReason): Promise<void> {
  expect((await refusal(promise)).reason).toBe(reason);
}

describe('DpopVerifier accepts', () => {
  it.each(Object.values(KEYS))('a valid $alg proof and returns its key thumbprint', async (key) => {
    const { clock, verifier } = setup();
    const proof = makeProof(clock, { key });
    const iat = Math.floor(clock.now() / 1000);
    await expect(verifier.verify(proof, CHECK)).resolves.toEqual({
      jkt: thumbprint(key.jwk),
      jti: `jti-${jtiCounter}`,
      iat,
    });
  });

  it('the RFC 9449 §4.2 example proof at its iat, with the thumbprint RFC 9449 §6.1 gives', async () => {
    const proof =
      'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0Rs' +
      'cEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2' +
      'In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2V' +
      'uIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xR' +
      'ZT3Lg';
    const { clock, verifier } = setup();
    const check = { htm: 'POST', htu: 'https://server.example.com/token' };
    await expectRefused(verifier.verify(proof, check), 'iat_too_old');
    clock.set(1_562_262_616_000);
    await expect(verifier.verify(proof, check)).resolves.toEqual({
      jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I',
      jti: '-BwC3ESc6acc2lTc',
      iat: 1_562_262_616,
    });
  });

  it('the same htu with another query and fragment, letter case of scheme and host, and default port', async () => {
    const { clock, verifier } = setup();
    const proof = makeProof(clock, { claims: { htu: 'HTTPS://API.Example.com:443/notes?x=1#top' } });
    await expect(verifier.verify(proof, { htm: 'POST', htu: `${HTU}?page=2` })).resolves.toMatchObject({});
  });

  it('ath equal to the SHA-256 of the access token, and the expected jkt', async () => {
    const { clock, verifier } = setup();
    const accessToken = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln';
    const proof = makeProof(clock, { claims: { ath: hash('sha256', accessToken, 'base64url') } });
    const check = { ...CHECK, accessToken, expectedJkt: thumbprint(KEYS.EdDSA.jwk) };
    await expect(verifier.verify(proof, check)).resolves.toMatchObject({ jkt: check.expectedJkt });
  });

  it('a proof of exactly 8 KiB, and a jti of 128 characters', async () => {
    const { clock, verifier } = setup();
    const jti = 'j'.repeat(128);
    const proof = proofOfLength(clock, 8192, { jti });
    await expect(verifier.verify(proof, CHECK)).resolves.toMatchObject({ jti });
    await expectRefused(verifier.verify(`${proof}A`, CHECK), 'too_large');
  });
});

/** A valid proof exactly `length` characters long: padded claims, and a header member to fix the remainder. */
function proofOfLength(clock: ManualClock, length: number, claims: Record<string, unknown>): string {
  for (let extra = 0; extra < 4; extra += 1) {
    const header = { x: 'x'.repeat(extra) };
    for (let pad = Math.floor(length * 0.7); pad < length; pad += 1) {
      const proof = makeProof(clock, { header, claims: { ...claims, pad: 'p'.repeat(pad) } });
      if (proof.length === length) return proof;
      if (proof.length > length) break;
    }
  }
  throw new Error(`no proof of ${length} characters`);
}

describe('DpopVerifier refuses', () => {
  const { clock, verifier } = setup();

  it('with 401 LIFT_DPOP_INVALID and a WWW-Authenticate challenge naming the accepted algorithms', async () => {
    const error = await refusal(verifier.verify(makeProof(clock, { header: { typ: 'JWT' } }), CHECK));
    expect(error).toMatchObject({
      status: 401,
      code: 'LIFT_DPOP_INVALID',
      detail: 'The DPoP proof is invalid.',
      reason: 'wrong_typ',
      headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof", algs="EdDSA ES256 RS256 PS256"' },
    });
  });

  it.each(['JWT', 'DPOP+JWT', 'application/dpop+jwt', undefined])('typ %s (wrong_typ)', async (typ) => {
    await expectRefused(verifier.verify(makeProof(clock, { header: { typ } }), CHECK), 'wrong_typ');
  });

  it.each(['none', 'None', 'NONE'])('alg %s, unsigned (alg_none)', async (alg) => {
    const unsigned = makeProof(clock, { header: { alg } }).replace(/[^.]+$/, '');
    await expectRefused(verifier.verify(unsigned, CHECK), 'alg_none');
  });

  it('HS256 with the MAC key in an oct jwk (alg_not_allowed)', async () => {
    const secret = Buffer.alloc(32, 7);
    const header = { typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: secret.toString('base64url') } };
    const claims = { jti: 'hs', htm: 'POST', htu: HTU, iat: clock.now() / 1000 };
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    const mac = createHmac('sha256', secret).update(input).digest('base64url');
    await expectRefused(verifier.verify(`${input}.${mac}`, CHECK), 'alg_not_allowed');
  });

  it('an alg left out of allowedAlgorithms, and names only the allowed ones in its challenge', async () => {
    const only = setup({ allowedAlgorithms: ['ES256'] });
    const error = await refusal(only.verifier.verify(makeProof(only.clock), CHECK));
    expect(error.reason).toBe('alg_not_allowed');
    expect(error.headers['www-authenticate']).toBe('DPoP error="invalid_dpop_proof", algs="ES256"');
    await expect(
      only.verifier.verify(makeProof(only.clock, { key: KEYS.ES256 }), CHECK),
    ).resolves.toBeDefined();
  });

  it.each([KEYS.EdDSA, KEYS.ES256, KEYS.RS256])(
    'a private $alg key in the jwk (jwk_private)',
    async (key) => {
      const jwk = key.privateKey.export({ format: 'jwk' });
      await expectRefused(verifier.verify(makeProof(clock, { key, header: { jwk } }), CHECK), 'jwk_private');
    },
  );

  it('a jwk that is missing, or does not fit the alg (jwk_missing, jwk_invalid)', async () => {
    await expectRefused(
      verifier.verify(makeProof(clock, { header: { jwk: undefined } }), CHECK),
      'jwk_missing',
    );
    const ecKeyUnderEdDSA = makeProof(clock, { header: { jwk: KEYS.ES256.jwk } });
    await expectRefused(verifier.verify(ecKeyUnderEdDSA, CHECK), 'jwk_invalid');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const smallKey: ProofKey = {
      alg: 'RS256',
      privateKey: small.privateKey,
      jwk: small.publicKey.export({ format: 'jwk' }),
    };
    await expectRefused(verifier.verify(makeProof(clock, { key: smallKey }), CHECK), 'jwk_invalid');
  });

  it('a changed claim under the original signature (bad_signature)', async () => {
    const [header, , sig] = makeProof(clock).split('.');
    const claims = b64u(JSON.stringify({ jti: 'forged', htm: 'POST', htu: HTU, iat: clock.now() / 1000 }));
    await expectRefused(verifier.verify(`${header}.${claims}.${sig}`, CHECK), 'bad_signature');
  });

  it.each(Object.values(KEYS))(
    'a $alg proof signed by another key than its jwk (bad_signature)',
    async (key) => {
      const signWith = proofKey(key.alg === 'PS256' ? 'RS256' : key.alg).privateKey;
      await expectRefused(verifier.verify(makeProof(clock, { key, signWith }), CHECK), 'bad_signature');
    },
  );

  it('ES256 signatures with r = s = 0, r = n, or in DER (bad_signature)', async () => {
    const [header, claims] = makeProof(clock, { key: KEYS.ES256 }).split('.');
    const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
    const der = sign('sha256', Buffer.from(`${header}.${claims}`), KEYS.ES256.privateKey);
    for (const sig of [Buffer.alloc(64), Buffer.concat([n, Buffer.alloc(31), Buffer.from([1])]), der]) {
      await expectRefused(
        verifier.verify(`${header}.${claims}.${sig.toString('base64url')}`, CHECK),
        'bad_signature',
      );
    }
  });

  it('structural damage (malformed) and crit (crit_unsupported)', async () => {
    const proof = makeProof(clock);
    const [header = '', claims = '', sig = ''] = proof.split('.');
    const damaged = [
      `${header}.${claims}`,
      `${proof}.`,
      `${header}=.${claims}.${sig}`,
      `${header}.${claims}+.${sig}`,
      `${b64u('[1]')}.${claims}.${sig}`,
      `${b64u('{"typ":')}.${claims}.${sig}`,
      `${b64u('\uFEFF{}')}.${claims}.${sig}`,
    ];
    for (const text of damaged) await expectRefused(verifier.verify(text, CHECK), 'malformed');
    const crit = makeProof(clock, { header: { crit: ['exp'] } });
    await expectRefused(verifier.verify(crit, CHECK), 'crit_unsupported');
  });

  it.each([undefined, '', 42, 'j'.repeat(129)])('jti %s (bad_jti)', async (jti) => {
    await expectRefused(verifier.verify(makeProof(clock, { claims: { jti } }), CHECK), 'bad_jti');
  });

  it.each(['GET', 'post', undefined])('htm %s for a POST (htm_mismatch)', async (htm) => {
    await expectRefused(verifier.verify(makeProof(clock, { claims: { htm } }), CHECK), 'htm_mismatch');
  });

  it.each([
    'https://api.example.com/notes/1',
    'https://api.example.com/Notes',
    'https://evil.example.com/notes',
    'http://api.example.com/notes',
    'https://api.example.com:8443/notes',
    '/notes',
    undefined,
  ])('htu %s (htu_mismatch)', async (htu) => {
    await expectRefused(verifier.verify(makeProof(clock, { claims: { htu } }), CHECK), 'htu_mismatch');
  });

  it('an iat more than maxAgeMs + 5 s away on either side, and accepts it at the edges', async () => {
    const now = clock.now();
    const at = (ms: number) => makeProof(clock, { claims: { iat: ms / 1000 } });
    await expect(verifier.verify(at(now - WINDOW_MS), CHECK)).resolves.toBeDefined();
    await expect(verifier.verify(at(now + WINDOW_MS), CHECK)).resolves.toBeDefined();
    await expectRefused(verifier.verify(at(now - WINDOW_MS - 1), CHECK), 'iat_too_old');
    await expectRefused(verifier.verify(at(now + WINDOW_MS + 1), CHECK), 'iat_in_future');
    await expectRefused(
      verifier.verify(makeProof(clock, { claims: { iat: String(now / 1000) } }), CHECK),
      'bad_iat',
    );
  });

  it('follows maxAgeMs', async () => {
    const short = setup({ maxAgeMs: 10_000 });
    const proof = makeProof(short.clock);
    short.clock.advance(15_001);
    await expectRefused(short.verifier.verify(proof, CHECK), 'iat_too_old');
  });

  it('an access token without ath, or with the ath of another token (ath_missing, ath_mismatch)', async () => {
    const check = { ...CHECK, accessToken: 'token-a' };
    await expectRefused(verifier.verify(makeProof(clock), check), 'ath_missing');
    const other = makeProof(clock, { claims: { ath: hash('sha256', 'token-b', 'base64url') } });
    await expectRefused(verifier.verify(other, check), 'ath_mismatch');
  });

  it('a proof key other than the one the token is bound to (jkt_mismatch)', async () => {
    const check = { ...CHECK, expectedJkt: thumbprint(KEYS.ES256.jwk) };
    await expectRefused(verifier.verify(makeProof(clock), check), 'jkt_mismatch');
  });

  it('more than 8 KiB before parsing anything (too_large)', async () => {
    await expectRefused(verifier.verify('x'.repeat(8193), CHECK), 'too_large');
  });
});

describe('DpopVerifier replay protection', () => {
  it('refuses a second use of a jti (replayed), as long as the proof could pass the iat check', async () => {
    const { clock, verifier } = setup();
    const proof = makeProof(clock, { claims: { iat: (clock.now() + WINDOW_MS) / 1000 } });
    await expect(verifier.verify(proof, CHECK)).resolves.toBeDefined();
    await expectRefused(verifier.verify(proof, CHECK), 'replayed');
    clock.advance(2 * WINDOW_MS);
    await expectRefused(verifier.verify(proof, CHECK), 'replayed');
    clock.advance(1);
    await expectRefused(verifier.verify(proof, CHECK), 'iat_too_old');
  });

  it('does not use up a jti on a proof refused for another reason', async () => {
    const { clock, verifier } = setup();
    const proof = makeProof(clock);
    await expectRefused(verifier.verify(proof, { htm: 'GET', htu: HTU }), 'htm_mismatch');
    await expect(verifier.verify(proof, CHECK)).resolves.toBeDefined();
  });

  it('keeps jtis apart per proof key', async () => {
    const { clock, verifier } = setup();
    const claims = { jti: 'shared-jti' };
    await expect(verifier.verify(makeProof(clock, { claims }), CHECK)).resolves.toBeDefined();
    await expect(
      verifier.verify(makeProof(clock, { claims, key: KEYS.ES256 }), CHECK),
    ).resolves.toBeDefined();
    await expectRefused(verifier.verify(makeProof(clock, { claims }), CHECK), 'replayed');
  });
});

describe.skipIf(redis === undefined)('DpopVerifier on two nodes sharing Redis', () => {
  const clock = new ManualClock();
  let stores: RedisKeyValueStore[] = [];

  beforeAll(() => {
    const prefix = uniqueRedisPrefix('dpop-nodes');
    stores = [
      new RedisKeyValueStore({ url: redis!, prefix }),
      new RedisKeyValueStore({ url: redis!, prefix }),
    ];
  });
  afterAll(() => Promise.all(stores.map((kv) => kv.close())));

  it('accepts exactly one of 20 parallel submissions of one proof', async () => {
    const nodes = stores.map((kv) => new DpopVerifier({ kv, clock }));
    const proof = makeProof(clock, { key: KEYS.ES256 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => nodes[i % 2]!.verify(proof, CHECK)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(refused).toHaveLength(19);
    for (const error of refused) expect(error).toMatchObject({ reason: 'replayed', status: 401 });
  });
});
