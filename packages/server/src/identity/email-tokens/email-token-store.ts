/** What a mailed link lets its holder do, once. A token issued for one purpose is refused for every other. */
export type EmailTokenPurpose = 'verify_email' | 'password_reset' | 'set_password';

export const EMAIL_TOKEN_PURPOSES: readonly EmailTokenPurpose[] = [
  'verify_email',
  'password_reset',
  'set_password',
];

/**
 * Single-use tokens sent by mail. A token is 256 random bits in base64url (43 characters); only its SHA-256
 * is stored, so a copy of the table opens nothing. A token is valid until it expires, is consumed or is
 * revoked, whichever comes first.
 */
export interface EmailTokenStore {
  /** Makes and stores a token valid for `ttlMs` from the clock's now; returns the token to put in the mail. */
  issue(userId: string, purpose: EmailTokenPurpose, ttlMs: number): Promise<string>;
  /**
   * Marks the token used and returns its user, or null when it is unknown, malformed, expired, already used
   * or of another purpose. Of concurrent calls with the same token, exactly one gets the user.
   */
  consume(token: string, purpose: EmailTokenPurpose): Promise<{ userId: string } | null>;
  /** The user a still-valid token belongs to, without using it up (to ask for an MFA code first); else null. */
  peek(token: string, purpose: EmailTokenPurpose): Promise<string | null>;
  /** Invalidates the user's outstanding tokens, of one purpose or of all; returns how many. */
  revokeAll(userId: string, purpose?: EmailTokenPurpose): Promise<number>;
  /** Deletes tokens that expired or were used at or before `now` (ms since the epoch); returns how many. */
  purgeExpired(now: number): Promise<number>;
}
