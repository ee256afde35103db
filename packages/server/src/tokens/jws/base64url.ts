/**
 * Strict base64url (RFC 4648 §5, no padding) as JWS requires (RFC 7515 §2). Node's own decoder is lenient: it
 * accepts `+`, `/`, `=`, skips unknown characters and ignores trailing bits, so one byte string has many
 * spellings. Here a text decodes only if it is the one canonical spelling of its bytes.
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** The 6-bit value of a base64url character already known to be in the alphabet. */
function sextet(code: number): number {
  if (code >= 97) return code - 71; // a-z → 26..51
  if (code >= 65) return code - 65; // A-Z → 0..25
  if (code >= 48) return code + 4; // 0-9 → 52..61
  return code === 45 ? 62 : 63; // '-' and '_'
}

/**
 * Whether `text[start, end)` has a length and final character that re-encoding its bytes would give back.
 * The alphabet is checked separately. A length of 1 mod 4 cannot come from any bytes; otherwise the bits of
 * the last character that carry no data must be zero.
 */
export function hasCanonicalTail(text: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const unusedBits = rest === 2 ? 0x0f : 0x03;
  return (sextet(text.charCodeAt(end - 1)) & unusedBits) === 0;
}

/** The bytes `text` spells, or undefined unless it is canonical unpadded base64url. */
export function decodeBase64url(text: string): Buffer | undefined {
  if (!ALPHABET.test(text) || !hasCanonicalTail(text, 0, text.length)) return undefined;
  return Buffer.from(text, 'base64url');
}

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
