import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time.ts';

describe('constantTimeEqual', () => {
  it('is true for equal bytes and false for any difference, including length', () => {
    expect(constantTimeEqual(Buffer.from('123456'), Buffer.from('123456'))).toBe(true);
    expect(constantTimeEqual(Buffer.from('123456'), Buffer.from('123457'))).toBe(false);
    expect(constantTimeEqual(Buffer.from('123456'), Buffer.from('1234567'))).toBe(false);
    expect(constantTimeEqual(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });
});
