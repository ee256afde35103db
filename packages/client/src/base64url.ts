/** Unpadded base64url (RFC 4648 §5) of `bytes`, with `btoa`, which browsers and Node ≥ 16 both have. */
export function encodeBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** base64url of the UTF-8 JSON of `value` (a JWS header or claims set). */
export function encodeJsonBase64url(value: unknown): string {
  return encodeBase64url(new TextEncoder().encode(JSON.stringify(value)));
}
