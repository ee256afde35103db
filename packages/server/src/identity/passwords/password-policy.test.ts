import { describe, expect, it } from 'vitest';
import { createPasswordPolicy, type PasswordCheck, WeakPasswordError } from './password-policy.ts';

const policy = createPasswordPolicy();

function codes(result: PasswordCheck): string[] {
  return result.ok ? [] : result.reasons.map((reason) => reason.code);
}

describe('createPasswordPolicy', () => {
  it('accepts a strong passphrase', () => {
    expect(
      policy.check('unicorn lantern quietly orbit', { email: 'bob@example.com', name: 'Bob Stone' }),
    ).toEqual({
      ok: true,
    });
    expect(policy.check('correct horse battery staple')).toEqual({ ok: true });
  });

  it('refuses passwords shorter than the minimum, counting code points', () => {
    expect(codes(policy.check('Zq8#vL2!mK'))).toContain('PASSWORD_TOO_SHORT');
    // Eleven emoji are 22 UTF-16 units but eleven characters.
    expect(codes(policy.check('🦄🐙🦊🐢🦉🐝🦋🐳🦀🐞🦒'))).toContain('PASSWORD_TOO_SHORT');
    expect(codes(createPasswordPolicy({ minLength: 8 }).check('Zq8#vL2!mK'))).not.toContain(
      'PASSWORD_TOO_SHORT',
    );
  });

  it('refuses passwords longer than the maximum, and only for that', () => {
    expect(codes(policy.check('a'.repeat(1025)))).toEqual(['PASSWORD_TOO_LONG']);
    expect(codes(createPasswordPolicy({ maxLength: 30 }).check('unicorn lantern quietly orbit 42'))).toEqual([
      'PASSWORD_TOO_LONG',
    ]);
    expect(policy.check(`${'unicorn lantern quietly orbit '.repeat(34)}`.slice(0, 1024)).ok).toBe(true);
  });

  it('refuses common passwords and combinations of them', () => {
    expect(codes(policy.check('password123456'))).toEqual(['PASSWORD_TOO_COMMON']);
    expect(codes(policy.check('iloveyou1234'))).toEqual(['PASSWORD_TOO_COMMON']);
    expect(codes(policy.check('P@ssw0rd'))).toEqual(['PASSWORD_TOO_SHORT', 'PASSWORD_TOO_COMMON']);
  });

  it('refuses long but guessable passwords', () => {
    expect(codes(policy.check('aaaaaaaaaaaa'))).toEqual(['PASSWORD_TOO_GUESSABLE']);
    expect(codes(policy.check('abcdefghijklmnop'))).toEqual(['PASSWORD_TOO_GUESSABLE']);
    expect(createPasswordPolicy({ minScore: 0 }).check('aaaaaaaaaaaa')).toEqual({ ok: true });
  });

  it('refuses the email, its local part or the name, whatever the case', () => {
    const alice = { email: 'alice@example.com', name: 'Alice Wonder' };
    expect(codes(policy.check('alice-secret-horse-battery', alice))).toContain(
      'PASSWORD_CONTAINS_PERSONAL_DATA',
    );
    expect(codes(policy.check('ALICE@EXAMPLE.COM-lantern-orbit', alice))).toContain(
      'PASSWORD_CONTAINS_PERSONAL_DATA',
    );
    expect(codes(policy.check('quietly wonder lantern orbit', alice))).toContain(
      'PASSWORD_CONTAINS_PERSONAL_DATA',
    );
    expect(policy.check('alice-secret-horse-battery', { email: 'bob@example.com' })).toEqual({ ok: true });
  });

  it('ignores personal fragments too short to matter', () => {
    expect(policy.check('always lantern quietly orbit', { email: 'al@example.com', name: 'Al' })).toEqual({
      ok: true,
    });
  });

  it('explains every refusal in words', () => {
    const result = policy.check('alice', { email: 'alice@example.com' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons.length).toBeGreaterThanOrEqual(2);
    for (const reason of result.reasons) expect(reason.message).toMatch(/^[A-Z].{20,}\.$/);
  });
});

describe('WeakPasswordError', () => {
  it('is a 400 problem carrying every reason', () => {
    const result = policy.check('password123456');
    if (result.ok) throw new Error('expected a refusal');
    const error = new WeakPasswordError(result.reasons);
    expect(error).toMatchObject({ code: 'LIFT_WEAK_PASSWORD', status: 400 });
    expect(error.extensions.reasons).toEqual([
      { code: 'PASSWORD_TOO_COMMON', message: expect.stringContaining('common') },
    ]);
  });
});
