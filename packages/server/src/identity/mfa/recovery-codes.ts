import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../../core/crypto/constant-time.ts';
import { cryptoRandom, type RandomSource } from '../../core/crypto/random.ts';

/**
 * One-use codes that stand in for the authenticator when it is lost. Each is 80 random bits written as 16
 * Crockford base32 characters in groups of four (`7QX2-M9KD-1VZ4-HC8P`): no vowels I/O/U, so people do not
 * misread them and they spell no words. Only SHA-256 hashes are stored; with 80 bits of entropy a fast hash
 * is safe, since guessing a code is as hard as guessing a key (DESIGN §6), and it keeps lookups cheap.
 */

export const RECOVERY_CODE_COUNT = 10;
/** 10 bytes = 80 bits = exactly 16 base32 characters. */
const CODE_BYTES = 10;
const CODE_CHARS = 16;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export interface RecoveryCodes {
  /** Shown to the user once, then forgotten. */
  codes: string[];
  /** Hex SHA-256 of each normalised code, same order; what gets stored. */
  hashes: string[];
}

export function generateRecoveryCodes(
  random: RandomSource = cryptoRandom,
  count = RECOVERY_CODE_COUNT,
): RecoveryCodes {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(formatCode(random.bytes(CODE_BYTES)));
  const list = [...codes];
  return { codes: list, hashes: list.map((code) => hashRecoveryCode(code)!) };
}

/**
 * The canonical 16-character form of what a user typed, or null if it cannot be a code. Case, dashes and
 * spaces are ignored, and Crockford's confusables are read as the digits they resemble: O→0, I and L→1.
 */
export function normaliseRecoveryCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== CODE_CHARS) return null;
  for (const char of code) if (!CROCKFORD.includes(char)) return null;
  return code;
}

/** Hex SHA-256 of the normalised code, or null when the input cannot be a code. */
export function hashRecoveryCode(input: string): string | null {
  const code = normaliseRecoveryCode(input);
  return code === null ? null : createHash('sha256').update(code).digest('hex');
}

/**
 * The index of the stored hash `input` matches, or -1. Used codes are marked by storing null in their slot,
 * which keeps indexes stable; the caller must clear the slot it gets back. Every slot is compared, in
 * constant time, so timing reveals neither which code matched nor how much of a hash did.
 */
export function matchRecoveryCode(input: string, storedHashes: readonly (string | null)[]): number {
  const hash = hashRecoveryCode(input);
  if (hash === null) return -1;
  const candidate = Buffer.from(hash, 'hex');
  let found = -1;
  storedHashes.forEach((stored, index) => {
    if (stored === null) return;
    const bytes = Buffer.from(stored, 'hex');
    if (constantTimeEqual(bytes, candidate) && found === -1) found = index;
  });
  return found;
}

function formatCode(bytes: Buffer): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let chars = '';
  for (let i = CODE_CHARS - 1; i >= 0; i--) chars += CROCKFORD[Number((value >> BigInt(i * 5)) & 31n)];
  return chars.match(/.{4}/g)!.join('-');
}
