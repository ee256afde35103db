import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.ts';
import { normalizeEmail } from './email.ts';

describe('normalizeEmail', () => {
  it.each([
    ['  Bob@example.com ', 'Bob@example.com', 'bob@example.com'],
    ['Bob.Smith@EXAMPLE.COM', 'Bob.Smith@example.com', 'bob.smith@example.com'],
    ['ops+alerts@Mail.Example.org', 'ops+alerts@mail.example.org', 'ops+alerts@mail.example.org'],
    ['root@localhost', 'root@localhost', 'root@localhost'],
    ['用户@例子.广告', '用户@xn--fsqu00a.xn--4rr70v', '用户@xn--fsqu00a.xn--4rr70v'],
    ['ÄRGER@Bücher.DE', 'ÄRGER@xn--bcher-kva.de', 'ärger@xn--bcher-kva.de'],
  ])('accepts %j as %j (compared as %j)', (input, email, normalized) => {
    expect(normalizeEmail(input)).toEqual({ email, normalized });
  });

  it.each([
    '',
    'plainaddress',
    '@example.com',
    'bob@',
    'bob@@example.com',
    'bob smith@example.com',
    'bob@exa mple.com',
    'bob@example..com',
    'bob@example.com.',
    'bob@-example.com',
    'bob@exa_mple.com',
    '.bob@example.com',
    'bob.@example.com',
    'bo..b@example.com',
    '"bob"@example.com',
    'bob<x>@example.com',
    `${'a'.repeat(65)}@example.com`,
    `${'x'.repeat(64)}@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(58)}.com`,
    `bob@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`,
  ])('refuses %j with a field issue on email', (input) => {
    const attempt = () => normalizeEmail(input);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'LIFT_VALIDATION_FAILED',
        issues: [expect.objectContaining({ path: 'email', code: 'invalid_format' })],
      }),
    );
  });

  it('accepts a local part of exactly 64 octets', () => {
    expect(normalizeEmail(`${'a'.repeat(64)}@example.com`).email).toHaveLength(76);
  });
});
