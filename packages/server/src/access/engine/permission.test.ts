import { describe, expect, it } from 'vitest';
import { InvalidPermissionError } from './access-errors.ts';
import { assertGrantablePermission, parseCheckedPermission, permissionCovers } from './permission.ts';

describe('assertGrantablePermission', () => {
  it.each([
    '*',
    'notes:read',
    'notes:*',
    'notes:update:own',
    'notes:*:own',
    'members:invite',
    'billing.v2:read_all',
    'a-b:c-d',
    'notes:own',
  ])('accepts %s', (permission) => {
    expect(() => assertGrantablePermission(permission)).not.toThrow();
  });

  it.each([
    '',
    'notes',
    'Notes:read',
    'notes:Read',
    'notes:read:mine',
    'notes:read:own:own',
    '*:read',
    '*:*',
    '*:own',
    'notes:',
    ':read',
    'notes::read',
    'notes: read',
    'notes:réad',
    `notes:${'a'.repeat(200)}`,
  ])('refuses %j with LIFT_PERMISSION_INVALID', (permission) => {
    expect(() => assertGrantablePermission(permission)).toThrow(
      expect.objectContaining({ code: 'LIFT_PERMISSION_INVALID', status: 400 }),
    );
  });

  it('names the offending value in the detail', () => {
    expect(() => assertGrantablePermission('notes:Read')).toThrow(/"notes:Read" is invalid/);
    expect(() => assertGrantablePermission(42)).toThrow(InvalidPermissionError);
  });
});

describe('parseCheckedPermission', () => {
  it('precomputes the granted strings that satisfy a check', () => {
    expect(parseCheckedPermission('notes:read')).toEqual({
      exact: 'notes:read',
      anyAction: 'notes:*',
      own: 'notes:read:own',
      anyActionOwn: 'notes:*:own',
    });
  });

  it.each(['notes:*', '*', 'notes:update:own', 'notes'])(
    'refuses %j: a check names one resource and one action',
    (p) => {
      expect(() => parseCheckedPermission(p)).toThrow(
        expect.objectContaining({ code: 'LIFT_PERMISSION_INVALID' }),
      );
    },
  );
});

describe('permissionCovers', () => {
  it.each([
    ['*', '*', true],
    ['*', 'notes:read:own', true],
    ['notes:*', 'notes:read', true],
    ['notes:*', 'notes:*:own', true],
    ['notes:*', '*', false],
    ['notes:*', 'members:read', false],
    ['notes:read', 'notes:read:own', true],
    ['notes:read', 'notes:update', false],
    ['notes:read', 'notes:*', false],
    ['notes:read:own', 'notes:read', false],
    ['notes:*:own', 'notes:read:own', true],
    ['notes:*:own', 'notes:read', false],
    ['notes:read:own', 'notes:read:own', true],
  ])('%s covers %s: %s', (granted, wanted, expected) => {
    expect(permissionCovers(granted, wanted)).toBe(expected);
  });
});
