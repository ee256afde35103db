import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedRequest } from '../../test/signing/sign-for-test.ts';
import { kvTargets, type OpenKv } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import { SignatureInvalidError } from './signature-invalid-error.ts';
import {
  type SignaturePolicy,
  SignatureRefusal,
  signaturePolicy,
  verifyRequestSignature,
} from './signature-verifier.ts';

/**
 * Replay protection on every key-value adapter (memory, SQL on SQLite and PostgreSQL, real Redis): a nonce is
 * accepted once while its signature could still pass the age check; a forged request never uses it up.
 */

const adapters = await kvTargets('signing_nonce');
const SECRET = Buffer.alloc(32, 3).toString('base64');
const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);
const URL_ = 'https://api.test/hooks?x=1';

function reasonOf(error: unknown): string {
  if (!(error instanceof SignatureRefusal)) throw error;
  expect(error.error).toBeInstanceOf(SignatureInvalidError);
  return error.error.reason;
}

describe.each(adapters)('nonces on $name', ({ open, clockDrivesExpiry }) => {
  const clock = new ManualClock(T0);
  let store: OpenKv;
  let policy: SignaturePolicy;
  let counter = 0;
  /** A nonce no other test (or earlier run against the same Redis) has used. */
  const nextNonce = () => `${process.pid}-${Date.now()}-${++counter}`;

  beforeAll(async () => {
    store = await open(clock);
    policy = signaturePolicy({
      keys: { a: { alg: 'hmac-sha256', key: SECRET } },
      components: ['@method', '@path'],
      nonce: 'required',
      maxAgeSeconds: 2,
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  const verify = (nonce: string, key = SECRET) => {
    const request = signedRequest(
      URL_,
      { method: 'GET' },
      {
        keyid: 'a',
        alg: 'hmac-sha256',
        key,
        created: clock.now() / 1000,
        nonce,
        components: ['@method', '@path'],
      },
    );
    return verifyRequestSignature(
      { method: 'GET', url: URL_, headers: request.headers, body: async () => new Uint8Array() },
      policy,
      { kv: store.kv, clock },
    );
  };

  it('accepts a nonce once and refuses the replay', async () => {
    const nonce = nextNonce();
    await expect(verify(nonce)).resolves.toMatchObject({ nonce });
    expect(await verify(nonce).then(() => 'accepted', reasonOf)).toBe('nonce_replayed');
  });

  it('accepts the same nonce once among concurrent requests', async () => {
    const nonce = nextNonce();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => verify(nonce).then(() => 'accepted', reasonOf)),
    );
    expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'nonce_replayed')).toHaveLength(7);
  });

  it('does not record the nonce of a forged signature', async () => {
    const nonce = nextNonce();
    const forged = Buffer.alloc(32, 4).toString('base64');
    expect(await verify(nonce, forged).then(() => 'accepted', reasonOf)).toBe('signature_mismatch');
    await expect(verify(nonce)).resolves.toMatchObject({ nonce });
  });

  it('keeps the nonce at least as long as its signature could pass the age check', async () => {
    const nonce = nextNonce();
    await verify(nonce);
    if (!clockDrivesExpiry) return;
    clock.advance(2_000);
    // Still within maxAge from created (2 s): a replay is refused, not forgotten.
    expect(await verify(nonce).then(() => 'accepted', reasonOf)).toBe('nonce_replayed');
    clock.advance(3_000);
    // Long past: a fresh signature with the old nonce is new again (its created time is now).
    await expect(verify(nonce)).resolves.toMatchObject({ nonce });
  });
});
