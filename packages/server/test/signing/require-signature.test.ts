import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { LiftEvent } from '../../src/core/events.ts';
import { limitsModule } from '../../src/limits/index.ts';
import { type RequireSignatureOptions, signatureOf, signingModule } from '../../src/signing/index.ts';
import { signedRequest, type TestSignature } from './sign-for-test.ts';

/**
 * `requireSignature()` in an app: a signed request reaches the handler with its body intact; each way a
 * signature can fail is a 401 `LIFT_SIGNATURE_INVALID` naming the reason, a `signature.refused` event and a
 * count in `signature_verifications_total`, and the handler never runs.
 */

const SECRET = Buffer.alloc(32, 7).toString('base64');
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);
const CREATED = NOW / 1000;
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface SignedApp {
  app: LiftApp;
  clock: ManualClock;
  events: LiftEvent[];
  handled: number;
  send(request: Request): Promise<Response>;
}

async function signedApp(route: RequireSignatureOptions = {}, signing: Record<string, unknown> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-signing-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = new ManualClock(NOW);
  const app = createLift(
    {
      env: 'test',
      dataDir,
      log: { level: process.env.SIGNING_LOG ? 'error' : 'silent' },
      signing: { keys: [{ keyid: 'service-a', alg: 'hmac-sha256', secret: SECRET }], ...signing },
    },
    { modules: [limitsModule(), signingModule()], clock },
  );
  cleanups.push(() => app.close());
  await app.start();
  const state: SignedApp = {
    app,
    clock,
    events: [],
    handled: 0,
    async send(request) {
      const response = await app.fetch(request);
      await app.events.settled();
      return response;
    },
  };
  app.events.onLocal((event) => {
    state.events.push(event);
  });
  app.group('/hooks', app.module('signing').requireSignature(route)).post('/orders', async (ctx) => {
    state.handled++;
    return { body: await ctx.json(), keyid: signatureOf(ctx.raw)?.keyid };
  });
  return state;
}

const URL_ = 'http://api.test/hooks/orders?tenant=t1';
const BODY = '{"order":42}';
const good: TestSignature = { keyid: 'service-a', alg: 'hmac-sha256', key: SECRET, created: CREATED };

async function expectRefused(state: SignedApp, response: Response, reason: string) {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(await response.json()).toMatchObject({ code: 'LIFT_SIGNATURE_INVALID', reason });
  expect(state.handled).toBe(0);
  expect(state.events.filter((event) => event.type === 'signature.refused').map((e) => e.reason)).toEqual([
    reason,
  ]);
  const scrape = await state.app.module('telemetry').scrape();
  expect(scrape).toContain(`signature_verifications_total{outcome="${reason}"} 1`);
}

describe('requireSignature()', () => {
  it('lets a signed request through, and the handler still reads the body', async () => {
    const state = await signedApp();
    const response = await state.send(signedRequest(URL_, { body: BODY }, good));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ body: { order: 42 }, keyid: 'service-a' });
    expect(await state.app.module('telemetry').scrape()).toContain(
      'signature_verifications_total{outcome="verified"} 1',
    );
  });

  it('refuses a request without a signature', async () => {
    const state = await signedApp();
    await expectRefused(
      state,
      await state.send(new Request(URL_, { method: 'POST', body: BODY })),
      'missing_signature',
    );
  });

  it('refuses a changed covered component', async () => {
    const state = await signedApp();
    const signed = signedRequest(URL_, { body: BODY }, good);
    const changed = new Request(URL_.replace('t1', 't2'), {
      method: 'POST',
      headers: signed.headers,
      body: BODY,
    });
    await expectRefused(state, await state.send(changed), 'signature_mismatch');
  });

  it('refuses a signature that leaves out a required component', async () => {
    const state = await signedApp();
    const request = signedRequest(
      URL_,
      { body: BODY },
      {
        ...good,
        components: ['@method', '@authority', '@path', '@query', 'content-digest'],
      },
    );
    await expectRefused(state, await state.send(request), 'missing_component');
  });

  it('refuses a stale created time', async () => {
    const state = await signedApp();
    const request = signedRequest(URL_, { body: BODY }, { ...good, created: CREATED - 301 });
    await expectRefused(state, await state.send(request), 'expired');
  });

  it('accepts a created time at the edge of maxAge and within the skew', async () => {
    const state = await signedApp();
    expect(
      (await state.send(signedRequest(URL_, { body: BODY }, { ...good, created: CREATED - 300 }))).status,
    ).toBe(200);
    expect(
      (await state.send(signedRequest(URL_, { body: BODY }, { ...good, created: CREATED + 5 }))).status,
    ).toBe(200);
  });

  it('refuses a created time in the future beyond the skew', async () => {
    const state = await signedApp();
    const request = signedRequest(URL_, { body: BODY }, { ...good, created: CREATED + 6 });
    await expectRefused(state, await state.send(request), 'created_in_future');
  });

  it('refuses a replayed nonce', async () => {
    const state = await signedApp();
    const first = signedRequest(URL_, { body: BODY }, { ...good, nonce: 'n-1' });
    const replay = first.clone();
    expect((await state.send(first)).status).toBe(200);
    state.handled = 0;
    await expectRefused(state, await state.send(replay), 'nonce_replayed');
  });

  it('refuses a signature without a nonce when the config requires one', async () => {
    const state = await signedApp({}, { nonce: 'required' });
    await expectRefused(state, await state.send(signedRequest(URL_, { body: BODY }, good)), 'nonce_required');
  });

  it('refuses a body that does not match its Content-Digest', async () => {
    const state = await signedApp();
    const signed = signedRequest(URL_, { body: BODY }, good);
    const tampered = new Request(URL_, { method: 'POST', headers: signed.headers, body: '{"order":43}' });
    await expectRefused(state, await state.send(tampered), 'digest_mismatch');
  });

  it('refuses an unknown keyid', async () => {
    const state = await signedApp();
    const request = signedRequest(URL_, { body: BODY }, { ...good, keyid: 'service-b' });
    await expectRefused(state, await state.send(request), 'unknown_key');
  });

  it('refuses an algorithm the key is not for', async () => {
    const state = await signedApp();
    const request = signedRequest(URL_, { body: BODY }, { ...good, algParam: 'ed25519' });
    await expectRefused(state, await state.send(request), 'algorithm_not_allowed');
  });

  it('refuses a malformed Signature-Input as malformed, never a 500', async () => {
    const state = await signedApp();
    const signed = signedRequest(URL_, { body: BODY }, good);
    signed.headers.set('signature-input', 'sig1=("@method" created=1');
    await expectRefused(state, await state.send(signed), 'malformed');
  });

  it('takes keys and components from the route over the config', async () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const state = await signedApp({
      keys: { route: { alg: 'hmac-sha256', key: other } },
      components: ['@method', '@path'],
    });
    const request = signedRequest(
      URL_,
      { body: BODY },
      { ...good, keyid: 'route', key: other, components: ['@method', '@path'] },
    );
    expect((await state.send(request)).status).toBe(200);
    const configKey = signedRequest(URL_, { body: BODY }, { ...good, components: ['@method', '@path'] });
    expect((await state.send(configKey)).status).toBe(401);
  });

  it('reads public keys (PEM) from config', async () => {
    const pair = generateKeyPairSync('ed25519');
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const state = await signedApp({}, { keys: [{ keyid: 'edge', alg: 'ed25519', publicKey }] });
    const request = signedRequest(
      URL_,
      { body: BODY },
      {
        ...good,
        keyid: 'edge',
        alg: 'ed25519',
        key: pair.privateKey,
      },
    );
    expect((await state.send(request)).status).toBe(200);
  });

  it('counts failures per client address: past signing.failureLimit a 429, and nothing verified until the window admits it', async () => {
    const state = await signedApp({}, { failureLimit: 3, failureWindowSeconds: 60 });
    const forged = () =>
      signedRequest(URL_, { body: BODY }, { ...good, key: Buffer.alloc(32, 9).toString('base64') });
    for (let i = 0; i < 3; i++) expect((await state.send(forged())).status).toBe(401);
    const over = await state.send(forged());
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await over.json()).toMatchObject({ code: 'LIFT_RATE_LIMITED', policy: 'signature-failures' });
    // A correct signature from the same address is not even verified while it is blocked.
    const blocked = await state.send(signedRequest(URL_, { body: BODY }, good));
    expect(blocked.status).toBe(429);
    expect(state.handled).toBe(0);
    const scrape = await state.app.module('telemetry').scrape();
    expect(scrape).toContain('signature_verifications_total{outcome="throttled"} 1');
    expect(scrape).toContain('signature_verifications_total{outcome="signature_mismatch"} 4');
    // Two windows later nothing of the failures counts any more.
    state.clock.advance(120_000);
    const later = signedRequest(URL_, { body: BODY }, { ...good, created: CREATED + 120 });
    expect((await state.send(later)).status).toBe(200);
  });

  it('lets signed traffic that verifies through without touching the failure budget', async () => {
    const state = await signedApp({}, { failureLimit: 1 });
    for (let i = 0; i < 5; i++) {
      expect((await state.send(signedRequest(URL_, { body: BODY }, good))).status).toBe(200);
    }
  });

  it('refuses a weak or mismatched configured key at boot, not per request', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lift-signing-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const boot = (key: Record<string, string>) =>
      createLift(
        {
          env: 'test',
          dataDir,
          log: { level: 'silent' },
          // Deliberately loose: the point is what the schema and the key checks refuse.
          signing: { keys: [{ keyid: 'k', ...key }] } as LiftConfigInput['signing'],
        },
        { modules: [limitsModule(), signingModule()] },
      );
    expect(() => boot({ alg: 'hmac-sha256', secret: Buffer.alloc(16).toString('base64') })).toThrow(
      /at least 32 bytes/,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(() =>
      boot({ alg: 'ed25519', publicKey: rsa.export({ type: 'spki', format: 'pem' }).toString() }),
    ).toThrow(/not a key for ed25519/);
    expect(() => boot({ alg: 'ed25519' })).toThrow(/publicKey/);
  });

  it('describes the requirement in the OpenAPI document: a 401, the components, no 403', async () => {
    const state = await signedApp();
    const doc = (await (await state.app.fetch(new Request('http://localhost/openapi.json'))).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const operation = doc.paths['/hooks/orders']!.post!;
    expect(operation['x-lift-signature']).toEqual({
      components: ['"@method"', '"@authority"', '"@path"', '"@query"', '"content-digest"', '"content-type"'],
    });
    expect(Object.keys(operation.responses as object)).toContain('401');
    expect(Object.keys(operation.responses as object)).not.toContain('403');
  });

  it('verifies outside a route with the same policy: the face resolves or throws SignatureInvalidError', async () => {
    const state = await signedApp();
    const signing = state.app.module('signing');
    const request = signedRequest(URL_, { body: BODY }, good);
    const incoming = {
      method: 'POST',
      url: URL_,
      headers: request.headers,
      body: async () => new TextEncoder().encode(BODY),
    };
    await expect(signing.verify(incoming)).resolves.toMatchObject({ keyid: 'service-a' });
    await expect(
      signing.verify({ ...incoming, body: async () => new TextEncoder().encode('{}') }),
    ).rejects.toMatchObject({ code: 'LIFT_SIGNATURE_INVALID', reason: 'digest_mismatch' });
  });
});
