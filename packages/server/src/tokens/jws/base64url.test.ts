import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from './base64url.ts';

describe('strict base64url', () => {
  it('RFC 4648 §10 vectors, unpadded', () => {
    const vectors = ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'];
    const encoded = ['', 'Zg', 'Zm8', 'Zm9v', 'Zm9vYg', 'Zm9vYmE', 'Zm9vYmFy'];
    vectors.forEach((text, index) => {
      expect(encodeBase64url(Buffer.from(text))).toBe(encoded[index]);
      expect(decodeBase64url(encoded[index]!)?.toString()).toBe(text);
    });
  });

  it('uses - and _ where base64 has + and /, and refuses the latter', () => {
    expect(encodeBase64url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(decodeBase64url('-_8')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64url('+/8')).toBeUndefined();
  });

  it('refuses padding, whitespace and impossible lengths', () => {
    for (const text of ['Zg==', 'Zg=', 'Z g', 'Zg\n', 'Z', 'Zm9vY'])
      expect(decodeBase64url(text), text).toBeUndefined();
  });

  it('refuses every spelling but the canonical one', () => {
    // 'Zg' is 0x66; 'Zh'..'Zv' decode to the same byte through Node's lenient decoder.
    expect(Buffer.from('Zh', 'base64url')).toEqual(Buffer.from('Zg', 'base64url'));
    for (const text of ['Zh', 'Zv', 'Zm9', 'Zm8', 'Zm-']) {
      const canonical = encodeBase64url(Buffer.from(text, 'base64url')) === text;
      expect(decodeBase64url(text) !== undefined, text).toBe(canonical);
    }
    expect(decodeBase64url('Zm9')).toBeUndefined();
  });

  it('encodes a view into a larger buffer by its own bytes only', () => {
    const whole = Buffer.from('xxfooxx');
    expect(encodeBase64url(whole.subarray(2, 5))).toBe('Zm9v');
  });
});
