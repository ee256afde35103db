import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { openSecret, sealSecret } from '../../core/crypto/secret-box.ts';
import { LiftConfigError } from '../../core/errors.ts';
import type { JwsAlgorithm, SigningKey } from '../jws/jws-types.ts';
import { HMAC_SECRET_BYTES, isHmacAlgorithm } from './generate-key.ts';

/**
 * Private keys and HS* secrets are stored sealed (AES-256-GCM, `secret-box.ts`) under a key derived from the
 * root secret, with the kid as associated data: a database dump reveals no key, and a sealed key moved to
 * another row does not open.
 */

/** The sealed form of a signing key: PKCS#8 DER for a private key, the raw bytes for a secret. */
export function sealSigningKey(sealingKey: Uint8Array, key: SigningKey): string {
  const plaintext =
    key.key.type === 'secret' ? key.key.export() : key.key.export({ format: 'der', type: 'pkcs8' });
  return sealSecret(sealingKey, plaintext, { associatedData: key.kid });
}

/**
 * Opens what `sealSigningKey` sealed, with the sealing key or the first of several that fits. Throws `SecretUnreadableError` (`LIFT_SECRET_UNREADABLE`) for a wrong
 * sealing key, a box sealed for another kid or a tampered one, and `LiftConfigError` when the key inside does
 * not fit `alg` (the alg column is not sealed, so it is checked here).
 */
export function openSigningKey(
  sealingKey: Uint8Array | readonly Uint8Array[],
  stored: { kid: string; alg: JwsAlgorithm; privateSealed: string },
): SigningKey {
  const plaintext = openSecret(sealingKey, stored.privateSealed, { associatedData: stored.kid });
  const key = isHmacAlgorithm(stored.alg)
    ? createSecretKey(plaintext)
    : createPrivateKey({ key: plaintext, format: 'der', type: 'pkcs8' });
  if (!fits(key, stored.alg)) {
    throw new LiftConfigError(`Signing key ${stored.kid} does not hold a key for ${stored.alg}.`);
  }
  return { kid: stored.kid, alg: stored.alg, key };
}

function fits(key: KeyObject, alg: JwsAlgorithm): boolean {
  if (isHmacAlgorithm(alg))
    return key.type === 'secret' && (key.symmetricKeySize ?? 0) >= HMAC_SECRET_BYTES[alg];
  switch (alg) {
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519';
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    case 'RS256':
    case 'PS256':
      return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  }
}
