import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../../core/crypto/constant-time.ts';
import { LiftConfigError } from '../../core/errors.ts';

/** HMAC-based one-time passwords, RFC 4226 (https://www.rfc-editor.org/rfc/rfc4226). */

export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface HotpOptions {
  /** Code length; default 6. RFC 4226 allows 6–8; up to 10 fits the 31-bit truncated value. */
  digits?: number;
  /** HMAC hash; default SHA1, the only one every authenticator app supports. */
  algorithm?: OtpAlgorithm;
}

export const DEFAULT_DIGITS = 6;
export const DEFAULT_ALGORITHM: OtpAlgorithm = 'SHA1';

const HMAC_NAMES: Record<OtpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/** The code for `counter` as a string of exactly `digits` digits (leading zeros kept). */
export function hotp(secret: Uint8Array, counter: number | bigint, options: HotpOptions = {}): string {
  const digits = checkDigits(options.digits ?? DEFAULT_DIGITS);
  const algorithm = options.algorithm ?? DEFAULT_ALGORITHM;
  const count = BigInt(counter);
  if (count < 0n || count > 0xffffffffffffffffn) throw new LiftConfigError('HOTP counter must fit 8 bytes');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(count);
  const mac = createHmac(HMAC_NAMES[algorithm], secret).update(message).digest();
  // Dynamic truncation, RFC 4226 §5.3.
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/**
 * The code as typed, if it is exactly `digits` ASCII digits once surrounding spaces are trimmed; otherwise
 * null. Nothing else is forgiven: inner spaces, signs and other digit scripts are refused.
 */
export function normaliseOtpCode(code: string, digits = DEFAULT_DIGITS): string | null {
  const trimmed = code.replace(/^ +| +$/g, '');
  return trimmed.length === digits && /^[0-9]+$/.test(trimmed) ? trimmed : null;
}

/** Compares two codes without leaking through timing how many leading digits matched. */
export function otpCodesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return constantTimeEqual(left, right);
}

function checkDigits(digits: number): number {
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) {
    throw new LiftConfigError(`OTP digits must be an integer from 6 to 10, got ${digits}`);
  }
  return digits;
}
