import { createCipheriv, createDecipheriv } from 'node:crypto';
import { LiftConfigError, LiftError } from '../errors.ts';
import { cryptoRandom, type RandomSource } from './random.ts';

/**
 * Secrets the server must read back (TOTP secrets, private signing keys), unlike passwords, are encrypted at
 * rest rather than hashed: AES-256-GCM under a key derived from the root secret for one purpose
 * (`deriveKey(root, 'mfa.totp')`). A database dump alone then reveals no secret. The sealed form is
 * `v1.<iv>.<ciphertext>.<tag>` in base64url; the version prefix leaves room to change algorithm later.
 *
 * While the root secret changes, a purpose has several keys: the current one seals, and every one opens
 * (current first), so values sealed before the change stay readable until `lift secret reseal` has run.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed secret could not be opened: wrong key, wrong associated data, or tampered with. */
export class SecretUnreadableError extends LiftError {
  constructor() {
    super('LIFT_SECRET_UNREADABLE', 500, 'Secret unreadable', {
      detail: 'A stored secret could not be decrypted.',
    });
  }
}

export interface SecretBoxOptions {
  /**
   * Bound into the ciphertext but not stored in it, e.g. the user id: a secret sealed for one user does not
   * open for another, so rows cannot be swapped in the database.
   */
  associatedData?: string | Uint8Array;
}

export interface SealOptions extends SecretBoxOptions {
  random?: RandomSource;
}

export function sealSecret(key: Uint8Array, plaintext: Uint8Array, options: SealOptions = {}): string {
  checkKey(key);
  // A 96-bit random IV per message; GCM stays safe for far more secrets than a user table will ever hold.
  const iv = (options.random ?? cryptoRandom).bytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (options.associatedData !== undefined) cipher.setAAD(toBytes(options.associatedData));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv, ciphertext, tag]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/**
 * Opens with `key`, or with the first of `keys` that opens it. Throws SecretUnreadableError
 * (`LIFT_SECRET_UNREADABLE`, 500) unless one of them opens the box intact.
 */
export function openSecret(
  key: Uint8Array | readonly Uint8Array[],
  sealed: string,
  options: SecretBoxOptions = {},
): Buffer {
  return openSecretWith(key instanceof Uint8Array ? [key] : key, sealed, options).plaintext;
}

/** Like openSecret, and says which key opened it (its index in `keys`: 0 = sealed with the current key). */
export function openSecretWith(
  keys: readonly Uint8Array[],
  sealed: string,
  options: SecretBoxOptions = {},
): { plaintext: Buffer; keyIndex: number } {
  for (const [keyIndex, key] of keys.entries()) {
    const plaintext = openWithKey(key, sealed, options);
    if (plaintext !== undefined) return { plaintext, keyIndex };
  }
  throw new SecretUnreadableError();
}

function openWithKey(key: Uint8Array, sealed: string, options: SecretBoxOptions): Buffer | undefined {
  checkKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [iv, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  // The length checks matter: GCM would otherwise accept a truncated tag, which is far easier to forge.
  if (!iv || !ciphertext || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    if (options.associatedData !== undefined) decipher.setAAD(toBytes(options.associatedData));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw new LiftConfigError(`The secret box key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}
