import { createSecretKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { cryptoRandom, type RandomSource, randomId } from '../../core/crypto/random.ts';
import { LiftConfigError } from '../../core/errors.ts';
import { publicJwk } from '../jws/jwk.ts';
import type { JwsAlgorithm, SigningKey } from '../jws/jws-types.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

/** HS* secrets as long as their hash output (RFC 7518 §3.2 requires at least that). */
export const HMAC_SECRET_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

export type HmacAlgorithm = keyof typeof HMAC_SECRET_BYTES;

export function isHmacAlgorithm(alg: JwsAlgorithm): alg is HmacAlgorithm {
  return Object.hasOwn(HMAC_SECRET_BYTES, alg);
}

export type RsaModulusLength = 2048 | 3072;

export interface GenerateSigningKeyOptions {
  /** Modulus of RS256/PS256 keys. Default 2048. */
  rsaModulusLength?: RsaModulusLength;
  /** Source of the kid and of HS* secrets. Default: the CSPRNG. */
  random?: RandomSource;
}

export interface GeneratedSigningKey extends SigningKey {
  /** What a JWKS publishes (public members, kid, alg, use); null for HS* secrets, which are never published. */
  publicJwk: JsonWebKey | null;
}

/**
 * A fresh key for `alg` (default EdDSA, Ed25519) with a random 128-bit base64url kid. Asymmetric pairs are made
 * off the main thread: an RSA pair takes long enough to stall requests.
 */
export async function generateSigningKey(
  alg: JwsAlgorithm = 'EdDSA',
  options: GenerateSigningKeyOptions = {},
): Promise<GeneratedSigningKey> {
  const random = options.random ?? cryptoRandom;
  const kid = randomId(random, 16);
  if (isHmacAlgorithm(alg)) {
    return { kid, alg, key: createSecretKey(random.bytes(HMAC_SECRET_BYTES[alg])), publicJwk: null };
  }
  const modulusLength = options.rsaModulusLength ?? 2048;
  if (modulusLength !== 2048 && modulusLength !== 3072) {
    throw new LiftConfigError(`RSA signing keys are 2048 or 3072 bits, not ${String(modulusLength)}.`);
  }
  const key = await generatePrivateKey(alg, modulusLength);
  return { kid, alg, key, publicJwk: publicJwk(key, kid, alg) };
}

async function generatePrivateKey(
  alg: Exclude<JwsAlgorithm, HmacAlgorithm>,
  modulusLength: number,
): Promise<KeyObject> {
  switch (alg) {
    case 'EdDSA':
      return (await generateKeyPairAsync('ed25519')).privateKey;
    case 'ES256':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-256' })).privateKey;
    // A plain RSA key serves PS256 too (the padding is chosen when signing), and unlike an `rsa-pss` key it
    // exports as a JWK.
    case 'RS256':
    case 'PS256':
      return (await generateKeyPairAsync('rsa', { modulusLength })).privateKey;
  }
}
