import { createHmac, createPublicKey, generateKeyPairSync, type JsonWebKey, sign } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwk, type SigningKey, signCompact } from '../../src/tokens/jws/index.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import type { AuthApp } from '../support/auth-app.ts';
import {
  decodeJwt,
  expectRejected,
  ME,
  newClient,
  problemOf,
  rejectionOf,
  startTokenApp,
  type TokenPairBody,
  tokenLogin,
} from './token-client.ts';

/**
 * Forged and broken bearer tokens sent over a real socket to a route behind `requireAuth()`. Every one must be
 * a 401 `LIFT_TOKEN_INVALID` with `WWW-Authenticate`, and its `token.rejected` event must name the check that
 * caught it — so each attack is shown to fail for its own reason, not by accident. Each forged token differs
 * from a token the app accepts (checked first) by the one thing under attack.
 */

const ISSUER = 'http://lift.test';

let auth: AuthApp;
let baseUrl: string;
let userId: string;
let pair: TokenPairBody;
let realKey: SigningKey;
let publishedJwk: JsonWebKey;
const attacker = generateKeyPairSync('ed25519');

/** A server an attacker's `jku`/`x5u` points at; it counts what it is asked for. */
let keyServer: Server;
let keyServerUrl: string;
const keyServerRequests: string[] = [];

beforeAll(async () => {
  auth = await startTokenApp();
  const browser = newClient(auth);
  userId = (await signUpVerified(browser, 'vic@example.com')).userId;
  pair = await tokenLogin(auth, 'vic@example.com');
  realKey = auth.app.module('tokens').keys.signingKey();
  const address = await auth.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = address.url;

  const jwks = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as { keys: JsonWebKey[] };
  const found = jwks.keys.find((key) => key.kid === realKey.kid);
  expect(found).toBeDefined();
  publishedJwk = found!;

  keyServer = createServer((req, res) => {
    keyServerRequests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk(attacker.publicKey, realKey.kid, 'EdDSA')] }));
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => keyServer?.close(resolve));
  await auth?.close();
});

function b64(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

let forgedCount = 0;

function nowSeconds(): number {
  return Math.floor(auth.clock.now() / 1000);
}

/** Claims the app accepts, as it would issue them; each attack changes one thing. */
function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    iss: ISSUER,
    sub: userId,
    aud: ISSUER,
    exp: now + 600,
    iat: now,
    jti: `forged-${++forgedCount}`,
    sid: 'forged-family',
    amr: ['pwd'],
    auth_time: now,
    ...overrides,
  };
}

/** Signed with the app's own active key: only the claims or extra header members can be wrong. */
function signedByApp(claims: Record<string, unknown> | string, header: Record<string, unknown> = {}): string {
  return signCompact({ typ: 'at+jwt', ...header }, claims, realKey);
}

/** Signed with the attacker's Ed25519 key under a chosen kid. */
function signedByAttacker(kid: string, header: Record<string, unknown> = {}): string {
  const key: SigningKey = { kid, alg: 'EdDSA', key: attacker.privateKey };
  return signCompact({ typ: 'at+jwt', ...header }, validClaims(), key);
}

function bearer(token: string): Promise<Response> {
  return fetch(`${baseUrl}${ME}`, { headers: { authorization: `Bearer ${token}` } });
}

async function refused(token: string, reason: string): Promise<void> {
  await expectRejected(auth.events, await bearer(token), reason);
}

function replaceSegment(token: string, index: number, segment: string): string {
  const parts = token.split('.');
  parts[index] = segment;
  return parts.join('.');
}

/** Another base64url character at `index`, keeping the segment canonical (not its last character). */
function flipChar(token: string, index: number): string {
  return token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);
}

describe('the baseline the attacks are measured against', () => {
  it('accepts the token from login and a token the test signs with the app key and valid claims', async () => {
    for (const token of [pair.access_token, signedByApp(validClaims())]) {
      const response = await bearer(token);
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toMatchObject({ userId, authMethod: 'bearer' });
    }
  });
});

describe('algorithm attacks', () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`refuses alg "${alg}" with an empty signature`, async () => {
      const header = b64(JSON.stringify({ alg, kid: realKey.kid, typ: 'at+jwt' }));
      await refused(`${header}.${b64(JSON.stringify(validClaims()))}.`, 'alg_none');
    });
  }

  const encodings: Record<string, () => Uint8Array> = {
    PEM: () =>
      Buffer.from(
        createPublicKey({ key: publishedJwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }),
      ),
    DER: () => createPublicKey({ key: publishedJwk, format: 'jwk' }).export({ format: 'der', type: 'spki' }),
    'JWK JSON': () => Buffer.from(JSON.stringify(publishedJwk)),
  };
  for (const [name, secret] of Object.entries(encodings)) {
    it(`refuses HS256 keyed with the ${name} of the app's published public key`, async () => {
      const input = `${b64(JSON.stringify({ alg: 'HS256', kid: realKey.kid, typ: 'at+jwt' }))}.${b64(JSON.stringify(validClaims()))}`;
      const token = `${input}.${createHmac('sha256', secret()).update(input).digest('base64url')}`;
      await refused(token, 'alg_mismatch');
    });
  }
});

describe('keys named by the token are never used', () => {
  it('refuses an embedded jwk header carrying the attacker key', async () => {
    const jwk = publicJwk(attacker.publicKey, realKey.kid, 'EdDSA');
    await refused(signedByAttacker(realKey.kid, { jwk }), 'bad_signature');
  });

  for (const member of ['jku', 'x5u']) {
    it(`refuses a ${member} header and never fetches it`, async () => {
      const before = keyServerRequests.length;
      const url = `${keyServerUrl}/${member}.json`;
      // The key server answers with the attacker's key, so a verifier that fetched it would accept the token.
      const served = (await (await fetch(url)).json()) as { keys: JsonWebKey[] };
      expect(served.keys[0]?.kid).toBe(realKey.kid);
      const fetchedByTest = keyServerRequests.length;
      expect(fetchedByTest).toBe(before + 1);

      const response = await bearer(signedByAttacker(realKey.kid, { [member]: url }));
      await expectRejected(auth.events, response, 'bad_signature');
      await new Promise((resolve) => setImmediate(resolve));
      expect(keyServerRequests).toHaveLength(fetchedByTest);
    });
  }

  for (const kid of ['', '../../../../dev/null', "' OR '1'='1", '|sleep 1']) {
    it(`refuses kid ${JSON.stringify(kid)} as an unknown key`, async () => {
      await refused(signedByAttacker(kid), 'unknown_kid');
    });
  }
});

describe('header members Lift does not implement', () => {
  it('refuses an unknown crit extension', async () => {
    await refused(
      signedByApp(validClaims(), { crit: ['urn:example:policy'], 'urn:example:policy': 1 }),
      'crit_unsupported',
    );
  });

  it('refuses b64: false', async () => {
    await refused(signedByApp(validClaims(), { b64: false }), 'b64_false');
  });
});

describe('validly signed tokens with bad claims', () => {
  it('refuses an expired token', async () => {
    const now = nowSeconds();
    await refused(
      signedByApp(validClaims({ iat: now - 700, exp: now - 100, auth_time: now - 700 })),
      'expired',
    );
  });

  it('refuses a token whose nbf is in the future', async () => {
    await refused(signedByApp(validClaims({ nbf: nowSeconds() + 120 })), 'not_yet_valid');
  });

  it('refuses a token issued in the future', async () => {
    const iat = nowSeconds() + 120;
    await refused(signedByApp(validClaims({ iat, exp: iat + 600 })), 'not_yet_valid');
  });

  it('refuses exp and iat given as strings', async () => {
    await refused(signedByApp(validClaims({ exp: '1e10' })), 'bad_claims');
    await refused(signedByApp(validClaims({ iat: '1e10' })), 'bad_claims');
  });

  it('refuses an exp in the year 9999', async () => {
    const exp = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;
    await refused(signedByApp(validClaims({ exp })), 'bad_claims');
  });

  it('refuses a wrong audience and a wrong issuer', async () => {
    await refused(signedByApp(validClaims({ aud: 'https://other.example' })), 'wrong_audience');
    await refused(signedByApp(validClaims({ aud: ['https://other.example'] })), 'wrong_audience');
    await refused(signedByApp(validClaims({ iss: 'https://evil.example' })), 'wrong_issuer');
  });

  it('refuses typ JWT and a missing typ', async () => {
    await refused(signedByApp(validClaims(), { typ: 'JWT' }), 'wrong_type');
    const noTyp = signCompact({}, validClaims(), realKey);
    expect(decodeJwt(noTyp).header).not.toHaveProperty('typ');
    await refused(noTyp, 'wrong_type');
  });

  it('refuses an ID-token-shaped JWT signed with the real key', async () => {
    const now = nowSeconds();
    const idToken = signCompact(
      { typ: 'JWT' },
      {
        iss: ISSUER,
        sub: userId,
        aud: 'client-app',
        exp: now + 300,
        iat: now,
        nonce: 'n-0S6_WzA2Mj',
        auth_time: now,
      },
      realKey,
    );
    await refused(idToken, 'wrong_type');
  });

  it('refuses a payload that is not UTF-8, signed with the real key', async () => {
    await refused(
      signCompact({ typ: 'at+jwt' }, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), realKey),
      'malformed',
    );
  });
});

describe('tokens of the wrong kind', () => {
  it('refuses a refresh token presented as an access token', async () => {
    await refused(pair.refresh_token, 'malformed');
  });

  it('refuses a DPoP-bound token presented as a plain Bearer token', async () => {
    const { token } = auth.app.tokens.accessTokens.issue({
      userId,
      sid: 'dpop-family',
      amr: ['pwd'],
      authTime: auth.clock.now(),
      jkt: 'x',
    });
    expect(decodeJwt(token).claims.cnf).toEqual({ jkt: 'x' });
    await refused(token, 'dpop_required');
  });
});

describe('tampering', () => {
  it('refuses a tampered header', async () => {
    const header = b64(JSON.stringify({ ...decodeJwt(pair.access_token).header, scope: 'admin' }));
    await refused(replaceSegment(pair.access_token, 0, header), 'bad_signature');
  });

  it('refuses a tampered payload', async () => {
    const claims = { ...decodeJwt(pair.access_token).claims, sub: 'someone-else' };
    await refused(replaceSegment(pair.access_token, 1, b64(JSON.stringify(claims))), 'bad_signature');
  });

  it('refuses a tampered signature', async () => {
    const token = pair.access_token;
    await refused(flipChar(token, token.lastIndexOf('.') + 10), 'bad_signature');
  });
});

describe('malformed tokens', () => {
  it('refuses 2 and 4 segments', async () => {
    const [header, payload, signature] = pair.access_token.split('.');
    await refused(`${header}.${payload}`, 'malformed');
    await refused(`${header}.${payload}.${signature}.${signature}`, 'malformed');
  });

  it('refuses segments that are not strict base64url', async () => {
    const [header, payload, signature] = pair.access_token.split('.') as [string, string, string];
    // A standard-base64 character, padding, a length no bytes encode to, and non-zero unused trailing bits.
    await refused(`${header}.+${payload.slice(1)}.${signature}`, 'bad_base64url');
    await refused(`${header}.${payload}.${signature}=`, 'bad_base64url');
    await refused(`${header}.AAAAA.${signature}`, 'bad_base64url');
    await refused(`${header}.AB.${signature}`, 'bad_base64url');
  });

  it('refuses a header that is not UTF-8', async () => {
    const header = b64(
      Buffer.concat([Buffer.from('{"alg":"EdDSA","kid":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    );
    const [, payload, signature] = pair.access_token.split('.');
    await refused(`${header}.${payload}.${signature}`, 'bad_utf8');
  });
});

describe('oversized tokens', () => {
  const MIB = 1024 * 1024;

  it('refuses a 1 MiB token at the HTTP layer: Node answers 431 before Lift sees it', async () => {
    const token = `${pair.access_token.split('.')[0]}.${'A'.repeat(MIB)}.AAAA`;
    const url = new URL(`${baseUrl}${ME}`);
    const before = auth.events.length;
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
    expect(performance.now() - started).toBeLessThan(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(auth.events.slice(before).filter((event) => event.type === 'token.rejected')).toEqual([]);
  });

  it('refuses a token over 8 KiB inside Lift, before parsing it', async () => {
    const response = await bearer(`${pair.access_token}${'A'.repeat(8192)}`);
    await expectRejected(auth.events, response, 'too_large');
  });

  it('refuses a 1 MiB token quickly when the host passes it through (app.fetch)', async () => {
    const token = `${pair.access_token.split('.')[0]}.${'A'.repeat(MIB)}.AAAA`;
    const started = performance.now();
    const response = await auth.app.fetch(
      new Request(`http://lift.test${ME}`, { headers: { authorization: `Bearer ${token}` } }),
      { remoteAddress: '198.51.100.99' },
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.status).toBe(401);
    expect(await problemOf(response)).toMatchObject({ code: 'LIFT_TOKEN_INVALID' });
    expect((await rejectionOf(auth.events, response)).reason).toBe('too_large');
  });
});

describe('a forged token with the attacker key and no tricks', () => {
  it('refuses a token signed with another Ed25519 key under the real kid', async () => {
    const input = `${b64(JSON.stringify({ alg: 'EdDSA', kid: realKey.kid, typ: 'at+jwt' }))}.${b64(JSON.stringify(validClaims()))}`;
    await refused(`${input}.${b64(sign(null, Buffer.from(input), attacker.privateKey))}`, 'bad_signature');
  });
});
