export {
  createPasswordHasher,
  MAX_PASSWORD_LENGTH,
  type PasswordHasher,
  type PasswordHasherOptions,
  PasswordTooLongError,
} from './password-hasher.ts';
export {
  createPasswordPolicy,
  type PasswordCheck,
  type PasswordContext,
  type PasswordPolicy,
  type PasswordPolicyOptions,
  type PasswordRefusal,
  type PasswordRefusalCode,
  WeakPasswordError,
} from './password-policy.ts';
