import { describe, expect, it } from 'vitest';
import { deriveKey } from '../config/secret.ts';
import { LiftConfigError, LiftError } from '../errors.ts';
import type { RandomSource } from './random.ts';
import { openSecret, openSecretWith, SecretUnreadableError, sealSecret } from './secret-box.ts';

const key = deriveKey(Buffer.alloc(32, 9), 'mfa.totp');
const plaintext = Buffer.from('12345678901234567890', 'ascii');

function expectUnreadable(open: () => unknown): void {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretUnreadableError);
    expect(error).toBeInstanceOf(LiftError);
    expect(error).toMatchObject({ code: 'LIFT_SECRET_UNREADABLE', status: 500 });
    return;
  }
  expect.fail('the box opened');
}

/** Flips the lowest bit of one decoded byte of part `index` (1 iv, 2 ciphertext, 3 tag). */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0]! ^= 1;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('secret box', () => {
  it('round-trips with and without associated data', () => {
    expect(openSecret(key, sealSecret(key, plaintext))).toEqual(plaintext);
    const sealed = sealSecret(key, plaintext, { associatedData: 'user-1' });
    expect(openSecret(key, sealed, { associatedData: 'user-1' })).toEqual(plaintext);
  });

  it('writes v1.<iv>.<ciphertext>.<tag> in base64url with a fresh 12-byte IV each time', () => {
    const sealed = sealSecret(key, plaintext);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(plaintext.toString('base64url'));
    expect(sealSecret(key, plaintext)).not.toBe(sealed);
  });

  it('takes the IV from the injected random source', () => {
    const random: RandomSource = { bytes: (length) => Buffer.alloc(length, 0xab) };
    const sealed = sealSecret(key, plaintext, { random });
    expect(sealed.split('.')[1]).toBe(Buffer.alloc(12, 0xab).toString('base64url'));
    expect(sealSecret(key, plaintext, { random })).toBe(sealed);
  });

  it('refuses a flipped byte in the IV, ciphertext or tag', () => {
    const sealed = sealSecret(key, plaintext, { associatedData: 'user-1' });
    for (const index of [1, 2, 3]) {
      expectUnreadable(() => openSecret(key, tamper(sealed, index), { associatedData: 'user-1' }));
    }
  });

  it('refuses the wrong associated data, missing associated data and the wrong key', () => {
    const sealed = sealSecret(key, plaintext, { associatedData: 'user-1' });
    expectUnreadable(() => openSecret(key, sealed, { associatedData: 'user-2' }));
    expectUnreadable(() => openSecret(key, sealed));
    expectUnreadable(() => openSecret(key, sealSecret(key, plaintext), { associatedData: 'user-1' }));
    const otherKey = deriveKey(Buffer.alloc(32, 9), 'something-else');
    expectUnreadable(() => openSecret(otherKey, sealed, { associatedData: 'user-1' }));
  });

  it('refuses malformed boxes, unknown versions and truncated tags', () => {
    const sealed = sealSecret(key, plaintext);
    const [, iv, ciphertext, tag] = sealed.split('.');
    for (const bad of [
      '',
      'v1',
      `v2.${iv}.${ciphertext}.${tag}`,
      `v1.${iv}.${ciphertext}`,
      `v1.${iv}.${ciphertext}.${tag}.x`,
      `v1.${iv}.${ciphertext}.${tag!.slice(0, 11)}`,
      `v1.${iv!.slice(0, 8)}.${ciphertext}.${tag}`,
    ]) {
      expectUnreadable(() => openSecret(key, bad));
    }
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => sealSecret(Buffer.alloc(16), plaintext)).toThrow(LiftConfigError);
    expect(() => openSecret(Buffer.alloc(16), sealSecret(key, plaintext))).toThrow(LiftConfigError);
  });

  it('opens with any of several keys and says which one (a root secret change under way)', () => {
    const previous = deriveKey(Buffer.alloc(32, 7), 'mfa.totp');
    const sealedBefore = sealSecret(previous, plaintext, { associatedData: 'user-1' });
    const keys = [key, previous];
    expect(openSecretWith(keys, sealedBefore, { associatedData: 'user-1' })).toEqual({
      plaintext,
      keyIndex: 1,
    });
    expect(openSecret(keys, sealSecret(key, plaintext))).toEqual(plaintext);
    expect(openSecretWith(keys, sealSecret(key, plaintext)).keyIndex).toBe(0);
    expectUnreadable(() => openSecret([key], sealedBefore, { associatedData: 'user-1' }));
    expectUnreadable(() => openSecret(keys, sealedBefore, { associatedData: 'user-2' }));
  });
});
