import type QRCodeModule from 'qrcode';
import { cryptoRandom, type RandomSource } from '../../core/crypto/random.ts';
import { BadRequestError } from '../../core/errors.ts';
import { lazyRequire } from '../../core/lazy-require.ts';
import { encodeBase32 } from './base32.ts';
import { DEFAULT_ALGORITHM, DEFAULT_DIGITS, type OtpAlgorithm } from './hotp.ts';
import { DEFAULT_PERIOD } from './totp.ts';

const QRCode = lazyRequire<typeof QRCodeModule>('qrcode');

/**
 * What a user's authenticator app needs at enrolment: a fresh secret, the otpauth:// key URI carrying it, and
 * that URI as a QR code.
 */

/** 20 bytes = 160 bits, the HMAC-SHA1 output size recommended by RFC 4226 §4 (R6). */
export const TOTP_SECRET_BYTES = 20;

export function generateTotpSecret(random: RandomSource = cryptoRandom): Buffer {
  return random.bytes(TOTP_SECRET_BYTES);
}

export interface OtpauthUriOptions {
  /** The service name shown in the app, e.g. `Lift`. */
  issuer: string;
  /** Whose account this is, e.g. the user's email. */
  account: string;
  secret: Uint8Array;
  digits?: number;
  period?: number;
  algorithm?: OtpAlgorithm;
}

/**
 * `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=…&digits=…&period=…`, the Key URI Format
 * (https://github.com/google/google-authenticator/wiki/Key-Uri-Format). The issuer goes in both the label and
 * the parameter, as that document recommends; every part is percent-encoded per RFC 3986, so spaces are `%20`.
 */
export function otpauthUri(options: OtpauthUriOptions): string {
  for (const [name, value] of [
    ['issuer', options.issuer],
    ['account', options.account],
  ] as const) {
    // The label uses `:` to split issuer from account, so neither may contain one.
    if (value === '' || value.includes(':')) {
      throw new BadRequestError(
        `The TOTP ${name} must be non-empty and free of ':'.`,
        'LIFT_TOTP_LABEL_INVALID',
      );
    }
  }
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.account)}`;
  const parameters = [
    `secret=${encodeBase32(options.secret)}`,
    `issuer=${encodeURIComponent(options.issuer)}`,
    `algorithm=${options.algorithm ?? DEFAULT_ALGORITHM}`,
    `digits=${options.digits ?? DEFAULT_DIGITS}`,
    `period=${options.period ?? DEFAULT_PERIOD}`,
  ];
  return `otpauth://totp/${label}?${parameters.join('&')}`;
}

/** The key URI as an SVG QR code, ready to inline in an enrolment page. */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode().toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
