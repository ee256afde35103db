import { createHash } from 'node:crypto';
import type { Principal } from '../../core/request-state.ts';
import { IdempotencyKeyInvalidError } from './idempotency-errors.ts';

/** The longest key accepted (the IETF draft leaves it open; Stripe allows 255). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Visible ASCII only: no spaces, controls or non-ASCII, so a key means the same bytes to every client and store. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** Checks the header's syntax; throws 400 `LIFT_IDEMPOTENCY_KEY_INVALID`. */
export function checkIdempotencyKey(key: string): void {
  if (key.length === 0) throw new IdempotencyKeyInvalidError('The Idempotency-Key header is empty.');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new IdempotencyKeyInvalidError(
      `The Idempotency-Key header is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`,
    );
  }
  if (!VISIBLE_ASCII.test(key)) {
    throw new IdempotencyKeyInvalidError(
      'The Idempotency-Key header may hold only visible ASCII characters.',
    );
  }
}

/**
 * The key-value key of one principal's key. The principal's type is part of it (a user and an API key may share an
 * id), and the whole is hashed: the client's key never sits in the store in clear, and no principal can name
 * another's entry.
 */
export function storeKeyOf(prefix: string, principal: Principal, key: string): string {
  const digest = createHash('sha256')
    .update(`${principal.type}\u0000${principal.id}\u0000${key}`)
    .digest('base64url');
  return `${prefix}${digest}`;
}

/** What makes two requests "the same": method, path with query, and the body's bytes. */
export function requestFingerprint(method: string, pathWithQuery: string, body: Uint8Array): string {
  return createHash('sha256').update(`${method}\n${pathWithQuery}\n`).update(body).digest('base64url');
}
