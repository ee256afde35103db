import { ValidationError } from '../../core/errors.ts';

/**
 * Opaque cursors for keyset pagination on (created_at, id): a page ends at the last row's position, and the
 * next page starts after it. The cursor is base64url JSON `[createdAtMs, id]`; anything a client makes up is
 * refused with a 400 naming the `cursor` query parameter.
 */

export interface KeysetPosition {
  createdAt: number;
  id: string;
}

export function encodeKeysetCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

export function decodeKeysetCursor(cursor: string): KeysetPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw pageIssue('cursor', 'The cursor is not one this server returned.');
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !Number.isSafeInteger(value[0]) ||
    typeof value[1] !== 'string'
  ) {
    throw pageIssue('cursor', 'The cursor is not one this server returned.');
  }
  return { createdAt: value[0], id: value[1] };
}

/** A 400 about a paging parameter (`limit` or `cursor`) of a list endpoint. */
export function pageIssue(path: 'limit' | 'cursor', message: string): ValidationError {
  return new ValidationError([{ location: 'query', path, message, code: 'invalid_value' }]);
}
