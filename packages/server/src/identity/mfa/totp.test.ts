import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { OtpAlgorithm } from './hotp.ts';
import { generateTotp, totpAt, totpStep, verifyTotp } from './totp.ts';

const SEEDS: Record<OtpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

// RFC 6238 Appendix B: time (s), step in hex, and the 8-digit code per algorithm.
const TABLE: [number, string, Record<OtpAlgorithm, string>][] = [
  [59, '0000000000000001', { SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' }],
  [1111111109, '00000000023523EC', { SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' }],
  [1111111111, '00000000023523ED', { SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' }],
  [1234567890, '000000000273EF07', { SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' }],
  [2000000000, '0000000003F940AA', { SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' }],
  [20000000000, '0000000027BC86AA', { SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' }],
];

const ROWS = TABLE.flatMap(([time, step, codes]) =>
  (['SHA1', 'SHA256', 'SHA512'] as const).map(
    (algorithm) => [time, step, algorithm, codes[algorithm]] as const,
  ),
);

describe('totp (RFC 6238 Appendix B)', () => {
  it('covers all 18 rows', () => {
    expect(ROWS).toHaveLength(18);
  });

  it.each(ROWS)('T=%i (step %s) %s gives %s', (time, step, algorithm, code) => {
    expect(totpStep(time * 1000)).toBe(Number.parseInt(step, 16));
    expect(totpAt(SEEDS[algorithm], time * 1000, { algorithm, digits: 8 })).toBe(code);
    const clock = new ManualClock(time * 1000);
    expect(generateTotp(SEEDS[algorithm], { clock, algorithm, digits: 8 })).toBe(code);
    expect(verifyTotp(SEEDS[algorithm], code, { clock, algorithm, digits: 8 })).toBe(
      Number.parseInt(step, 16),
    );
  });
});

describe('verifyTotp', () => {
  const secret = SEEDS.SHA1;
  const issuedAt = 1_700_000_010_000; // 10 s into a step
  const step = totpStep(issuedAt);
  const code = totpAt(secret, issuedAt);

  it('accepts the code one step early or late and refuses it two steps away', () => {
    const clock = new ManualClock(issuedAt);
    expect(verifyTotp(secret, code, { clock })).toBe(step);
    clock.advance(30_000);
    expect(verifyTotp(secret, code, { clock })).toBe(step);
    clock.advance(30_000);
    expect(verifyTotp(secret, code, { clock })).toBeNull();
    clock.set(issuedAt - 30_000);
    expect(verifyTotp(secret, code, { clock })).toBe(step);
    clock.set(issuedAt - 60_000);
    expect(verifyTotp(secret, code, { clock })).toBeNull();
  });

  it('honours a wider or zero window', () => {
    const clock = new ManualClock(issuedAt + 60_000);
    expect(verifyTotp(secret, code, { clock, window: 2 })).toBe(step);
    clock.set(issuedAt + 30_000);
    expect(verifyTotp(secret, code, { clock, window: 0 })).toBeNull();
  });

  it('refuses a replay of the last accepted step or any earlier one', () => {
    const clock = new ManualClock(issuedAt);
    const used = verifyTotp(secret, code, { clock });
    expect(used).toBe(step);
    expect(verifyTotp(secret, code, { clock, lastUsedStep: used })).toBeNull();
    expect(verifyTotp(secret, code, { clock, lastUsedStep: step + 1 })).toBeNull();
    expect(verifyTotp(secret, code, { clock, lastUsedStep: step - 1 })).toBe(step);
    const next = totpAt(secret, issuedAt + 30_000);
    clock.advance(30_000);
    expect(verifyTotp(secret, next, { clock, lastUsedStep: used })).toBe(step + 1);
  });

  it('refuses malformed codes and accepts surrounding spaces', () => {
    const clock = new ManualClock(issuedAt);
    for (const bad of [
      '',
      code.slice(1),
      `${code}0`,
      `${code.slice(0, 3)} ${code.slice(3)}`,
      `${code.slice(1)}x`,
    ]) {
      expect(verifyTotp(secret, bad, { clock })).toBeNull();
    }
    expect(verifyTotp(secret, ` ${code}  `, { clock })).toBe(step);
  });

  it('refuses a wrong code and a code made with another secret', () => {
    const clock = new ManualClock(issuedAt);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(verifyTotp(secret, wrong, { clock, window: 0 })).toBeNull();
    expect(verifyTotp(SEEDS.SHA256, code, { clock, window: 0 })).toBeNull();
  });
});
