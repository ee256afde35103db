import { constants, createHmac, type KeyObject, sign, verify } from 'node:crypto';
import { constantTimeEqual } from '../../core/crypto/constant-time.ts';
import type { JwsAlgorithm } from './jws-types.ts';

/**
 * The signature step of each JWS algorithm (RFC 7518 §3, RFC 8037 §3.1) on top of node:crypto, and the rule
 * for which keys each one accepts. Signing inputs are ASCII by construction (base64url and one dot), so they
 * are read as latin1, the cheapest way Node turns a string into bytes.
 */

const HMAC_HASH: Partial<Record<JwsAlgorithm, string>> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
};

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const MIN_HMAC_KEY_BYTES: Partial<Record<JwsAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 };

const MIN_RSA_BITS = 2048;

/** RFC 7518 §3.5: PSS with SHA-256 uses a salt as long as the hash. */
const PSS_SALT_BYTES = 32;

/** Order of the P-256 group (SEC 2 §2.4.2); ES256's r and s must each lie in [1, n−1]. */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
const ES256_HALF = 32;

/**
 * Why `key` cannot serve `alg`, or undefined when it can. Signing needs the private (or secret) key; verifying
 * takes the public key, or a private one from which node:crypto derives it.
 */
export function keyProblem(alg: JwsAlgorithm, key: KeyObject, use: 'sign' | 'verify'): string | undefined {
  const minSecret = MIN_HMAC_KEY_BYTES[alg];
  if (minSecret !== undefined) {
    if (key.type !== 'secret') return `${alg} needs a secret key, not a ${key.type} key`;
    const size = key.symmetricKeySize ?? 0;
    return size < minSecret ? `${alg} needs a secret of at least ${minSecret} bytes, not ${size}` : undefined;
  }
  if (key.type === 'secret') return `${alg} needs an asymmetric key, not a secret`;
  if (use === 'sign' && key.type !== 'private') return `signing with ${alg} needs the private key`;
  const type = key.asymmetricKeyType;
  switch (alg) {
    case 'EdDSA':
      return type === 'ed25519' ? undefined : `EdDSA needs an Ed25519 key, not ${type}`;
    case 'ES256':
      return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? undefined
        : 'ES256 needs a P-256 key';
    default: {
      if (type !== 'rsa') return `${alg} needs an RSA key, not ${type}`;
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return bits < MIN_RSA_BITS
        ? `${alg} needs an RSA key of at least ${MIN_RSA_BITS} bits, not ${bits}`
        : undefined;
    }
  }
}

/** The JWS signature of `signingInput`; the key must already have passed `keyProblem(alg, key, 'sign')`. */
export function createSignature(alg: JwsAlgorithm, key: KeyObject, signingInput: string): Buffer {
  const hmacHash = HMAC_HASH[alg];
  if (hmacHash !== undefined) return createHmac(hmacHash, key).update(signingInput, 'latin1').digest();
  const data = Buffer.from(signingInput, 'latin1');
  switch (alg) {
    case 'EdDSA':
      return sign(null, data, key);
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
    default:
      return sign('sha256', data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: PSS_SALT_BYTES,
      });
  }
}

/**
 * Whether `signature` is `alg`'s signature of `signingInput` under `key` (which must already have passed
 * `keyProblem(alg, key, 'verify')`). Never throws on hostile input: every failure is `false`.
 */
export function isValidSignature(
  alg: JwsAlgorithm,
  key: KeyObject,
  signingInput: string,
  signature: Uint8Array,
): boolean {
  const hmacHash = HMAC_HASH[alg];
  if (hmacHash !== undefined) {
    const expected = createHmac(hmacHash, key).update(signingInput, 'latin1').digest();
    return constantTimeEqual(expected, signature);
  }
  if (alg === 'ES256' && !isInRangeP1363(signature)) return false;
  if (alg === 'EdDSA' && signature.length !== 64) return false;
  const data = Buffer.from(signingInput, 'latin1');
  try {
    switch (alg) {
      case 'EdDSA':
        return verify(null, data, key, signature);
      case 'ES256':
        return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'RS256':
        return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      default:
        return verify(
          'sha256',
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_BYTES },
          signature,
        );
    }
  } catch {
    return false;
  }
}

/**
 * An ES256 signature is exactly r‖s, 32 bytes each, with 1 ≤ r, s ≤ n−1. Checked here rather than trusted
 * to the library: Java's acceptance of r = s = 0 (CVE-2022-21449, "psychic signatures") showed what a
 * missing range check costs. The length check also refuses DER-encoded signatures.
 */
function isInRangeP1363(signature: Uint8Array): boolean {
  if (signature.length !== 2 * ES256_HALF) return false;
  const r = signature.subarray(0, ES256_HALF);
  const s = signature.subarray(ES256_HALF);
  return isInOrderRange(r) && isInOrderRange(s);
}

function isInOrderRange(scalar: Uint8Array): boolean {
  return scalar.some((byte) => byte !== 0) && Buffer.compare(scalar, P256_ORDER) < 0;
}
