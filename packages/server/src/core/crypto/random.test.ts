import { describe, expect, it } from 'vitest';
import { cryptoRandom, type RandomSource, randomId, randomSecretToken } from './random.ts';

describe('randomId', () => {
  it('draws its bytes from an injected source, exactly', () => {
    const zeros: RandomSource = { bytes: (length) => Buffer.alloc(length) };
    expect(randomId(zeros)).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(randomId(zeros, 3)).toBe('AAAA');
  });

  it('makes distinct 128-bit ids from the pool, past a refill', () => {
    const ids = new Set(Array.from({ length: 600 }, () => randomId(cryptoRandom)));
    expect(ids.size).toBe(600);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('randomSecretToken', () => {
  it('is 256 random bits as 43 base64url characters by default', () => {
    const tokens = [randomSecretToken(), randomSecretToken()];
    expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(randomSecretToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
