import { describe, expect, it } from 'vitest';
import { LiftError } from '../../core/errors.ts';
import { decodeBase32, encodeBase32 } from './base32.ts';

// RFC 4648 §10, with the padding this encoder leaves out.
const VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'MY'],
  ['fo', 'MZXQ'],
  ['foo', 'MZXW6'],
  ['foob', 'MZXW6YQ'],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI'],
];

describe('base32', () => {
  it.each(VECTORS)('encodes %j as %j', (plain, encoded) => {
    expect(encodeBase32(Buffer.from(plain, 'ascii'))).toBe(encoded);
    expect(decodeBase32(encoded).toString('ascii')).toBe(plain);
  });

  it('decodes lower case, padding and spaces', () => {
    expect(decodeBase32('mzxw6ytboi').toString('ascii')).toBe('foobar');
    expect(decodeBase32('MZXW6YQ=').toString('ascii')).toBe('foob');
    expect(decodeBase32('MZXW 6YTB OI').toString('ascii')).toBe('foobar');
  });

  it('round-trips every byte value and every length up to 40', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(decodeBase32(encodeBase32(all))).toEqual(all);
    for (let length = 0; length <= 40; length++) {
      const bytes = all.subarray(200 - length, 200);
      expect(decodeBase32(encodeBase32(bytes))).toEqual(bytes);
    }
  });

  it('refuses characters outside the alphabet and impossible lengths', () => {
    for (const bad of ['MZ1W', 'MZ8W', 'MZXW6=YQ', 'M', 'MZX', 'MZXW6Y']) {
      expect(() => decodeBase32(bad)).toThrow(LiftError);
    }
    try {
      decodeBase32('0000');
    } catch (error) {
      expect(error).toMatchObject({ code: 'LIFT_BASE32_INVALID', status: 400 });
    }
    expect.assertions(7);
  });
});
