import { BadRequestError } from '../../core/errors.ts';

/**
 * RFC 4648 §6 base32, the encoding authenticator apps expect for TOTP secrets. Output carries no `=` padding
 * (the key URI format omits it); input is read case-insensitively, with or without padding, and spaces are
 * ignored because people copy secrets in groups of four.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Throws `LIFT_BASE32_INVALID` (400) on characters outside the alphabet or an impossible length. */
export function decodeBase32(text: string): Buffer {
  const clean = text.replace(/[\s]/g, '').replace(/=+$/, '').toUpperCase();
  // 1, 3 and 6 trailing characters cannot come from whole bytes.
  if ([1, 3, 6].includes(clean.length % 8)) throw invalid('has an impossible length');
  const out = Buffer.alloc(Math.floor((clean.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of clean) {
    const value = ALPHABET.indexOf(char);
    if (value === -1) throw invalid('contains a character outside the base32 alphabet');
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}

function invalid(reason: string): BadRequestError {
  return new BadRequestError(`The base32 value ${reason}.`, 'LIFT_BASE32_INVALID');
}
