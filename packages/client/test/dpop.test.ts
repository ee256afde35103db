import { createHash, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { requireAuth } from '@lift/server';
import { ManualClock } from '@lift/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiftClient, DpopKey, type Tokens } from '../src/index.ts';
import {
  createVerifiedUser,
  type LiftServer,
  lines,
  PASSWORD,
  postJson,
  recordingFetch,
  startLiftServer,
} from './support/lift-server.ts';

/** A proof taken apart and its ES256 signature checked with node:crypto against the header's own key. */
function openProof(proof: string) {
  const [header = '', claims = '', signature = ''] = proof.split('.');
  const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  const decodedHeader = decode(header) as { jwk: JsonWebKey } & Record<string, unknown>;
  const key = createPublicKey({ key: decodedHeader.jwk, format: 'jwk' });
  const signatureBytes = Buffer.from(signature, 'base64url');
  return {
    header: decodedHeader,
    claims: decode(claims) as Record<string, unknown>,
    signatureBytes,
    /** JWS ES256 signatures are r ‖ s (RFC 7518 §3.4), not DER. */
    valid: verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key, dsaEncoding: 'ieee-p1363' },
      signatureBytes,
    ),
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

describe('DPoP proofs', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 750));

  it('are ES256 JWTs typed dpop+jwt that carry only the public key and verify with it', async () => {
    const key = await DpopKey.generate(clock);
    const proof = openProof(await key.proof({ method: 'GET', url: 'https://api.example.com/me' }));
    expect(proof.header).toEqual({
      typ: 'dpop+jwt',
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) },
    });
    expect(proof.header.jwk).toEqual(key.publicJwk);
    expect(proof.signatureBytes).toHaveLength(64);
    expect(proof.valid).toBe(true);
  });

  it('name the method, the URL without query and fragment, and the time; a fresh jti each', async () => {
    const key = await DpopKey.generate(clock);
    const url = 'https://api.example.com/notes/7?page=2#top';
    const first = openProof(await key.proof({ method: 'POST', url }));
    const second = openProof(await key.proof({ method: 'POST', url }));
    expect(first.claims).toEqual({
      jti: expect.any(String),
      htm: 'POST',
      htu: 'https://api.example.com/notes/7',
      iat: Date.UTC(2026, 0, 1, 12, 0, 0) / 1000,
    });
    expect(second.claims.jti).not.toBe(first.claims.jti);
  });

  it('carry ath = base64url(SHA-256(access token)) when a token goes with the request', async () => {
    const key = await DpopKey.generate(clock);
    const proof = openProof(
      await key.proof({ method: 'GET', url: 'https://api.example.com/me', accessToken: 'the-access-token' }),
    );
    expect(proof.claims.ath).toBe(sha256('the-access-token'));
    expect(proof.valid).toBe(true);
  });

  it('do not verify once changed, nor with another key', async () => {
    const key = await DpopKey.generate(clock);
    const other = await DpopKey.generate(clock);
    expect(other.publicJwk).not.toEqual(key.publicJwk);
    const proof = await key.proof({ method: 'GET', url: 'https://api.example.com/me' });
    const [header = '', , signature = ''] = proof.split('.');
    const forged = Buffer.from(JSON.stringify({ htm: 'DELETE' })).toString('base64url');
    expect(openProof(`${header}.${forged}.${signature}`).valid).toBe(false);
    const otherHeader = (await other.proof({ method: 'GET', url: 'https://api.example.com/me' })).split(
      '.',
    )[0];
    expect(openProof(`${otherHeader}.${proof.split('.')[1]}.${signature}`).valid).toBe(false);
  });
});

describe('a client with dpop: true', () => {
  let server: LiftServer;

  beforeAll(async () => {
    server = await startLiftServer((app) => {
      // A proxy in front of Lift's token routes that drops the DPoP header, as some proxies drop headers they
      // do not know: the server then issues Bearer tokens.
      app.post('/stripping-proxy/:route', async (ctx) => {
        const headers = new Headers(ctx.request.headers);
        headers.delete('dpop');
        const target = `${ctx.url.origin}/auth/${ctx.params.route}`;
        return app.fetch(new Request(target, { method: 'POST', headers, body: await ctx.request.text() }));
      });
      app.group('/t', requireAuth()).post('/me', (ctx) => ({ id: ctx.principal!.id }));
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  let users = 0;
  async function user() {
    users += 1;
    return createVerifiedUser(server.app, `dpop${users}@example.com`);
  }

  it('gets tokens bound to its key and sends each request with Authorization: DPoP and a proof', async () => {
    const { id, email } = await user();
    const { fetch, sent } = recordingFetch();
    const client = createLiftClient({ baseUrl: server.url, fetch, clock: server.clock, dpop: true });
    await client.login({ email, password: PASSWORD });
    expect(client.tokens?.tokenType).toBe('DPoP');

    expect(await (await client.fetch('/t/me?page=2')).json()).toEqual({ id });
    // Fetch upper-cases "post" before sending, so htm must say POST too.
    expect((await client.fetch('/t/me', { method: 'post' })).status).toBe(200);
    expect(lines(sent)).toEqual(['POST /auth/login', 'GET /t/me?page=2', 'POST /t/me']);

    const [login, get, post] = sent;
    const loginProof = openProof(login?.headers.get('dpop') ?? '');
    expect(loginProof.valid).toBe(true);
    expect(loginProof.claims).toEqual({
      jti: expect.any(String),
      htm: 'POST',
      htu: `${server.url}/auth/login`,
      iat: Math.floor(server.clock.now() / 1000),
    });
    for (const request of [get, post]) {
      expect(request?.headers.get('authorization')).toBe(`DPoP ${client.tokens?.accessToken}`);
      const proof = openProof(request?.headers.get('dpop') ?? '');
      expect(proof.valid).toBe(true);
      expect(proof.header.jwk).toEqual(loginProof.header.jwk);
      expect(proof.claims).toMatchObject({
        htm: request?.method,
        htu: `${server.url}/t/me`,
        ath: sha256(client.tokens?.accessToken ?? ''),
      });
    }
  });

  it('refreshes with a proof from the same key and retries after a revoked token', async () => {
    const { id, email } = await user();
    const { fetch, sent } = recordingFetch();
    const client = createLiftClient({ baseUrl: server.url, fetch, clock: server.clock, dpop: true });
    await client.login({ email, password: PASSWORD });

    server.clock.advance(6_000);
    expect(await (await client.fetch('/t/me')).json()).toEqual({ id });
    expect(client.tokens?.tokenType).toBe('DPoP');
    await postJson(`${server.url}/auth/revoke`, { token: client.tokens!.accessToken });
    expect(await (await client.fetch('/t/me')).json()).toEqual({ id });

    expect(lines(sent)).toEqual([
      'POST /auth/login',
      'POST /auth/token',
      'GET /t/me',
      'GET /t/me',
      'POST /auth/token',
      'GET /t/me',
    ]);
    const refreshProof = openProof(sent[1]?.headers.get('dpop') ?? '');
    expect(refreshProof.claims).toMatchObject({ htm: 'POST', htu: `${server.url}/auth/token` });
    expect(refreshProof.claims).not.toHaveProperty('ath');
    expect(refreshProof.header.jwk).toEqual(openProof(sent[0]?.headers.get('dpop') ?? '').header.jwk);
  });

  it('keeps the tokens when a refresh fails on its proof rather than on the refresh token', async () => {
    const { id, email } = await user();
    let offsetMs = 0;
    const clock = { now: () => server.clock.now() + offsetMs };
    const client = createLiftClient({ baseUrl: server.url, clock, dpop: true });
    await client.login({ email, password: PASSWORD });

    // The client's clock runs 10 minutes fast: it refreshes early, and its proof's iat is refused.
    offsetMs = 600_000;
    await expect(client.fetch('/t/me')).rejects.toMatchObject({ code: 'LIFT_DPOP_INVALID', status: 401 });
    expect(client.tokens?.tokenType).toBe('DPoP');

    offsetMs = 0;
    expect(await (await client.fetch('/t/me')).json()).toEqual({ id });
  });

  it('cannot use stored DPoP-bound tokens with a new key; their refresh is refused and they are forgotten', async () => {
    const { email } = await user();
    const saved: (Tokens | null)[] = [];
    const storage = { load: () => saved.at(-1) ?? null, save: (tokens: Tokens | null) => saved.push(tokens) };
    const first = createLiftClient({ baseUrl: server.url, clock: server.clock, dpop: true, storage });
    await first.login({ email, password: PASSWORD });

    const restarted = createLiftClient({ baseUrl: server.url, clock: server.clock, dpop: true, storage });
    const refused = await restarted.fetch('/t/me');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'LIFT_DPOP_INVALID' });

    server.clock.advance(6_000);
    await expect(restarted.fetch('/t/me')).rejects.toMatchObject({ code: 'LIFT_INVALID_GRANT', status: 400 });
    expect(restarted.tokens).toBeNull();
    expect(saved.at(-1)).toBeNull();
  });

  it('works with Bearer tokens when the server does not bind them', async () => {
    const { id, email } = await user();
    const { fetch, sent } = recordingFetch();
    const client = createLiftClient({
      baseUrl: server.url,
      fetch,
      clock: server.clock,
      dpop: true,
      authPath: '/stripping-proxy',
    });
    await client.login({ email, password: PASSWORD });
    expect(client.tokens?.tokenType).toBe('Bearer');

    server.clock.advance(6_000);
    expect(await (await client.fetch('/t/me')).json()).toEqual({ id });
    expect(lines(sent)).toEqual(['POST /stripping-proxy/login', 'POST /stripping-proxy/token', 'GET /t/me']);
    expect(openProof(sent[1]?.headers.get('dpop') ?? '').valid).toBe(true);
    expect(sent[2]?.headers.get('authorization')).toBe(`Bearer ${client.tokens?.accessToken}`);
    expect(sent[2]?.headers.get('dpop')).toBeNull();
  });
});
