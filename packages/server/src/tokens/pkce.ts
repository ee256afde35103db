import { hash } from 'node:crypto';
import { constantTimeEqual } from '../core/crypto/constant-time.ts';
import { BadRequestError } from '../core/errors.ts';

/**
 * PKCE (RFC 7636) with the S256 method only: the challenge is base64url(SHA-256(ASCII(code_verifier))).
 * `plain` is not offered, since it protects nothing once the authorization request is seen.
 */

/** RFC 7636 §4.1: 43 to 128 characters of A–Z a–z 0–9 - . _ ~ */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function isPkceVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/** The S256 `code_challenge` for `verifier`; a verifier outside RFC 7636 §4.1 is a bad request. */
export function pkceChallenge(verifier: string): string {
  if (!isPkceVerifier(verifier)) {
    throw new BadRequestError(
      'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636).',
    );
  }
  return hash('sha256', verifier, 'base64url');
}

/**
 * Whether `verifier` is well formed and its S256 challenge is `challenge`. Compared in constant time, so a
 * client learns nothing from how long a wrong verifier took.
 */
export function verifyPkce(verifier: string, challenge: string): boolean {
  if (!isPkceVerifier(verifier)) return false;
  const expected = Buffer.from(hash('sha256', verifier, 'base64url'), 'latin1');
  const received = Buffer.from(challenge, 'utf8');
  return constantTimeEqual(expected, received);
}
