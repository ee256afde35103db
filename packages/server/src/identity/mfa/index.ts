export { decodeBase32, encodeBase32 } from './base32.ts';
export {
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  type HotpOptions,
  hotp,
  normaliseOtpCode,
  type OtpAlgorithm,
  otpCodesEqual,
} from './hotp.ts';
export type { MfaFactor, MfaFactorStore, MfaFactorType } from './mfa-factor-store.ts';
export type { LiftMfaFactorsTable } from './mfa-factors-table.ts';
export { MFA_SEALED_COLUMN, TOTP_KEY_PURPOSE } from './mfa-factors-table.ts';
export {
  generateTotpSecret,
  type OtpauthUriOptions,
  otpauthUri,
  TOTP_SECRET_BYTES,
  totpQrSvg,
} from './provisioning.ts';
export {
  generateRecoveryCodes,
  hashRecoveryCode,
  matchRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
  type RecoveryCodes,
} from './recovery-codes.ts';
export { SqlMfaFactorStore, type SqlMfaFactorStoreOptions } from './sql-mfa-factor-store.ts';
export {
  DEFAULT_PERIOD,
  DEFAULT_WINDOW,
  generateTotp,
  type TotpOptions,
  totpAt,
  totpStep,
  type VerifyTotpOptions,
  verifyTotp,
} from './totp.ts';
