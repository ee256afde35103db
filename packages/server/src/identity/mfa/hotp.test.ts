import { describe, expect, it } from 'vitest';
import { LiftConfigError } from '../../core/errors.ts';
import { hotp, normaliseOtpCode, otpCodesEqual } from './hotp.ts';

const SECRET = Buffer.from('12345678901234567890', 'ascii');

describe('hotp (RFC 4226 Appendix D)', () => {
  const truncated = [
    1284755224, 1094287082, 137359152, 1726969429, 1640338314, 868254676, 1918287922, 82162583, 673399871,
    645520489,
  ];
  const codes = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];

  it.each(codes.map((code, counter) => [counter, code] as const))('counter %i gives %s', (counter, code) => {
    expect(hotp(SECRET, counter)).toBe(code);
    expect(hotp(SECRET, BigInt(counter))).toBe(code);
  });

  it('truncates dynamically to the exact 31-bit values of the appendix', () => {
    // With 10 digits the modulus exceeds 2^31, so the code is the truncated value itself, zero-padded.
    const values = truncated.map((_, counter) => Number(hotp(SECRET, counter, { digits: 10 })));
    expect(values).toEqual(truncated);
    expect(hotp(SECRET, 7, { digits: 10 })).toBe('0082162583');
  });

  it('refuses digits outside 6–10 and counters that do not fit 8 bytes', () => {
    expect(() => hotp(SECRET, 0, { digits: 5 })).toThrow(LiftConfigError);
    expect(() => hotp(SECRET, 0, { digits: 11 })).toThrow(LiftConfigError);
    expect(() => hotp(SECRET, -1)).toThrow(LiftConfigError);
    expect(() => hotp(SECRET, 2n ** 64n)).toThrow(LiftConfigError);
  });
});

describe('normaliseOtpCode', () => {
  it('trims surrounding spaces only', () => {
    expect(normaliseOtpCode('  755224 ')).toBe('755224');
    expect(normaliseOtpCode('755 224')).toBeNull();
    expect(normaliseOtpCode('\t755224')).toBeNull();
  });

  it('refuses anything but exactly N ASCII digits', () => {
    for (const code of ['', '75522', '7552240', '+55224', '75522a', '７５５２２４', '755224\n']) {
      expect(normaliseOtpCode(code)).toBeNull();
    }
    expect(normaliseOtpCode('94287082', 8)).toBe('94287082');
    expect(normaliseOtpCode('942870', 8)).toBeNull();
  });
});

describe('otpCodesEqual', () => {
  it('is true only for identical codes', () => {
    expect(otpCodesEqual('755224', '755224')).toBe(true);
    expect(otpCodesEqual('755224', '755225')).toBe(false);
    expect(otpCodesEqual('755224', '7552240')).toBe(false);
  });
});
