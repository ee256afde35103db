import { randomSecretToken } from '../core/crypto/random.ts';
import { hashToken } from '../core/crypto/token-hash.ts';

/**
 * Session tokens: 256 random bits as base64url (43 characters). Only `hashSessionToken(token)` is stored, so a
 * leaked database or Redis dump holds nothing a client could present.
 */

export const SESSION_TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionToken(): string {
  return randomSecretToken(SESSION_TOKEN_BYTES);
}

/** Whether a presented value could be a token at all; anything else is refused without a store lookup. */
export function isWellFormedSessionToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** base64url SHA-256: a 256-bit random token needs no salt or slow hash. */
export function hashSessionToken(token: string): string {
  return hashToken(token);
}
