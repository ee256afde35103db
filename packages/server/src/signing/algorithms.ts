import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  constants as cryptoConstants,
  type JsonWebKey,
  KeyObject,
  sign as signBytes,
  timingSafeEqual,
  verify as verifyBytes,
} from 'node:crypto';
import { LiftConfigError } from '../core/errors.ts';

/** The algorithms of the RFC 9421 registry this module verifies (§3.3). */
export const SIGNATURE_ALGORITHMS = [
  'hmac-sha256',
  'ed25519',
  'ecdsa-p256-sha256',
  'rsa-pss-sha512',
] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

/**
 * A key a `keyid` names. The algorithm belongs to the key, never to the message: a signature whose `alg`
 * parameter names another is refused (§3.2 step 6, §7.3.6).
 */
export interface VerificationKey {
  alg: SignatureAlgorithm;
  /** The HMAC secret (bytes or a secret KeyObject), or the public key (KeyObject, PEM or JWK). */
  key: KeyObject | Uint8Array | string | JsonWebKey;
}

/** A key as `verifySignatureBytes` uses it: parsed once. */
export interface PreparedKey {
  alg: SignatureAlgorithm;
  key: KeyObject;
}

const PUBLIC_KEY_TYPES: Record<Exclude<SignatureAlgorithm, 'hmac-sha256'>, string> = {
  ed25519: 'ed25519',
  'ecdsa-p256-sha256': 'ec',
  'rsa-pss-sha512': 'rsa',
};

/** Parses a key once, and refuses one that does not fit its algorithm at setup rather than per request. */
export function prepareKey(keyid: string, spec: VerificationKey): PreparedKey {
  if (!SIGNATURE_ALGORITHMS.includes(spec.alg)) {
    throw new LiftConfigError(`Signing key "${keyid}": algorithm "${spec.alg}" is not supported.`);
  }
  if (spec.alg === 'hmac-sha256') {
    const key = isKeyObject(spec.key) ? spec.key : createSecretKey(secretBytes(keyid, spec.key));
    if (key.type !== 'secret' || (key.symmetricKeySize ?? 0) < 32) {
      throw new LiftConfigError(`Signing key "${keyid}": an hmac-sha256 secret has at least 32 bytes.`);
    }
    return { alg: spec.alg, key };
  }
  let key: KeyObject;
  try {
    key = isKeyObject(spec.key) ? spec.key : publicKeyOf(spec.key);
  } catch (cause) {
    throw new LiftConfigError(`Signing key "${keyid}": not a public key (PEM or JWK).`, { cause });
  }
  if (key.type === 'private') key = createPublicKey(key);
  const expected = PUBLIC_KEY_TYPES[spec.alg];
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (
    key.asymmetricKeyType !== expected ||
    (spec.alg === 'ecdsa-p256-sha256' && curve !== 'prime256v1') ||
    (spec.alg === 'rsa-pss-sha512' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
  ) {
    throw new LiftConfigError(`Signing key "${keyid}" is not a key for ${spec.alg}.`);
  }
  return { alg: spec.alg, key };
}

function isKeyObject(value: unknown): value is KeyObject {
  return value instanceof KeyObject;
}

function secretBytes(keyid: string, key: VerificationKey['key']): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (typeof key === 'string') return Buffer.from(key, 'base64');
  throw new LiftConfigError(`Signing key "${keyid}": an hmac-sha256 secret is bytes or base64 text.`);
}

function publicKeyOf(key: Exclude<VerificationKey['key'], KeyObject>): KeyObject {
  if (key instanceof Uint8Array) throw new TypeError('raw bytes are not a public key');
  if (typeof key === 'string') {
    const text = key.trim();
    if (text.startsWith('{')) return createPublicKey({ key: JSON.parse(text) as JsonWebKey, format: 'jwk' });
    return createPublicKey(text);
  }
  return createPublicKey({ key, format: 'jwk' });
}

/** Checks `signature` over `base` with `key`; false for a wrong signature, never a throw. */
export function verifySignatureBytes(key: PreparedKey, base: string, signature: Uint8Array): boolean {
  const data = Buffer.from(base, 'ascii');
  switch (key.alg) {
    case 'hmac-sha256': {
      const expected = createHmac('sha256', key.key).update(data).digest();
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    case 'ed25519':
      return verifyBytes(null, data, key.key, signature);
    case 'ecdsa-p256-sha256':
      // RFC 9421 §3.3.4: r and s as two 32-byte integers, not DER.
      return verifyBytes('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'rsa-pss-sha512':
      return verifyBytes(
        'sha512',
        data,
        { key: key.key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
        signature,
      );
  }
}

/**
 * Signs `base` (tests and Lift's own outgoing requests; clients use `signRequest` of @lift/client). `key` is the
 * HMAC secret or the private key.
 */
export function signSignatureBase(
  alg: SignatureAlgorithm,
  key: KeyObject | string | Uint8Array,
  base: string,
): Uint8Array {
  const data = Buffer.from(base, 'ascii');
  if (alg === 'hmac-sha256') {
    return createHmac('sha256', typeof key === 'string' ? Buffer.from(key, 'base64') : key)
      .update(data)
      .digest();
  }
  const privateKey = isKeyObject(key)
    ? key
    : createPrivateKey(typeof key === 'string' ? key : Buffer.from(key));
  switch (alg) {
    case 'ed25519':
      return signBytes(null, data, privateKey);
    case 'ecdsa-p256-sha256':
      return signBytes('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    case 'rsa-pss-sha512':
      return signBytes('sha512', data, {
        key: privateKey,
        padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
        saltLength: 64,
      });
  }
}
