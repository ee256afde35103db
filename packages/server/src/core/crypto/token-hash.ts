import { hash } from 'node:crypto';

/**
 * The stored form of a random bearer secret (session, mailed link, invitation, refresh token, MFA step handle):
 * base64url SHA-256. A 256-bit random token needs no salt or slow hash to be safe at rest. One-shot
 * `crypto.hash` (Node ≥ 20.12) costs a third of `createHash()`, and sessions hash on every request.
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}
