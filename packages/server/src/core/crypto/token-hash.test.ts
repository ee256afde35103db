import { describe, expect, it } from 'vitest';
import { hashToken } from './token-hash.ts';

describe('hashToken', () => {
  it('is base64url SHA-256 without padding (FIPS 180-2 "abc" vector)', () => {
    expect(hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});
