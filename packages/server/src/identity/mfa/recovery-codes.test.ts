import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../../core/crypto/random.ts';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  matchRecoveryCode,
  normaliseRecoveryCode,
} from './recovery-codes.ts';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe('generateRecoveryCodes', () => {
  it('makes 10 unique grouped codes and their SHA-256 hashes', () => {
    const { codes, hashes } = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(FORMAT);
    expect(hashes).toEqual(
      codes.map((code) => createHash('sha256').update(code.replace(/-/g, '')).digest('hex')),
    );
  });

  it('draws at least 80 bits per code and turns every bit into the code', () => {
    const asked: number[] = [];
    const random: RandomSource = {
      bytes: (length) => {
        asked.push(length);
        return Buffer.alloc(length, asked.length === 1 ? 0xff : 0);
      },
    };
    const { codes } = generateRecoveryCodes(random, 2);
    expect(asked.every((length) => length * 8 >= 80)).toBe(true);
    // 16 characters × 5 bits = 80 bits: all ones is the last symbol throughout, all zeros the first.
    expect(codes).toEqual(['ZZZZ-ZZZZ-ZZZZ-ZZZZ', '0000-0000-0000-0000']);
  });

  it('draws again when a code repeats', () => {
    let calls = 0;
    const random: RandomSource = { bytes: (length) => Buffer.alloc(length, calls++ < 2 ? 1 : 2) };
    const { codes } = generateRecoveryCodes(random, 2);
    expect(new Set(codes).size).toBe(2);
    expect(calls).toBe(3);
  });
});

describe('normaliseRecoveryCode', () => {
  it('ignores case, dashes and spaces and reads confusables as digits', () => {
    expect(normaliseRecoveryCode('abcd-efgh-jkmn-pqrs')).toBe('ABCDEFGHJKMNPQRS');
    expect(normaliseRecoveryCode(' ab cd efgh-jkmn pqrs ')).toBe('ABCDEFGHJKMNPQRS');
    expect(normaliseRecoveryCode('OoIi-Ll00-1111-0000')).toBe('0011110011110000');
  });

  it('refuses wrong lengths and characters outside Crockford base32', () => {
    for (const bad of [
      '',
      'ABCD-EFGH-JKMN-PQR',
      'ABCD-EFGH-JKMN-PQRST',
      'ABCD-EFGH-JKMN-PQRU',
      'ABCD_EFGH_JKMN_PQRS',
    ]) {
      expect(normaliseRecoveryCode(bad)).toBeNull();
      expect(hashRecoveryCode(bad)).toBeNull();
    }
  });
});

describe('matchRecoveryCode', () => {
  it('finds each code by index once, then not after its slot is cleared', () => {
    const { codes, hashes } = generateRecoveryCodes();
    const stored: (string | null)[] = [...hashes];
    codes.forEach((code, index) => {
      expect(matchRecoveryCode(code, stored)).toBe(index);
      stored[index] = null;
      expect(matchRecoveryCode(code, stored)).toBe(-1);
    });
  });

  it('matches what a user types after normalisation', () => {
    const random: RandomSource = { bytes: (length) => Buffer.alloc(length, 0) };
    const { hashes } = generateRecoveryCodes(random, 1);
    expect(matchRecoveryCode('oooo oOOO-0000 0000', hashes)).toBe(0);
    const { codes, hashes: more } = generateRecoveryCodes();
    expect(matchRecoveryCode(codes[3]!.toLowerCase().replace(/-/g, ' '), more)).toBe(3);
  });

  it('returns -1 for unknown, malformed or corrupt input', () => {
    const { hashes } = generateRecoveryCodes();
    expect(matchRecoveryCode('0000-0000-0000-0000', hashes)).toBe(-1);
    expect(matchRecoveryCode('not a code', hashes)).toBe(-1);
    expect(matchRecoveryCode('0000-0000-0000-0000', ['', 'zz'])).toBe(-1);
  });
});
