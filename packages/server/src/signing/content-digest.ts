import { createHash, timingSafeEqual } from 'node:crypto';
import { isInnerList, parseDictionary, StructuredFieldError } from './structured-fields.ts';

/**
 * Content-Digest (RFC 9530): a dictionary of algorithm → byte sequence over the message content. The verifier
 * checks every algorithm it knows (sha-256, sha-512) against the body as received; a field naming only others
 * is refused, since it proves nothing.
 */

export const DIGEST_ALGORITHMS = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export type DigestCheck = 'match' | 'mismatch' | 'unsupported' | 'malformed';

/** Checks a Content-Digest field value against `body`. */
export function checkContentDigest(field: string, body: Uint8Array): DigestCheck {
  let dictionary: ReturnType<typeof parseDictionary>;
  try {
    dictionary = parseDictionary(field);
  } catch (error) {
    if (error instanceof StructuredFieldError) return 'malformed';
    throw error;
  }
  let checked = 0;
  for (const [name, member] of dictionary) {
    if (!(name in DIGEST_ALGORITHMS)) continue;
    if (isInnerList(member) || !(member.value instanceof Uint8Array)) return 'malformed';
    const expected = digestOf(name as DigestAlgorithm, body);
    if (expected.length !== member.value.length || !timingSafeEqual(expected, member.value))
      return 'mismatch';
    checked++;
  }
  return checked === 0 ? 'unsupported' : 'match';
}

export function digestOf(algorithm: DigestAlgorithm, body: Uint8Array): Buffer {
  return createHash(DIGEST_ALGORITHMS[algorithm]).update(body).digest();
}

/** A Content-Digest field value for `body` (`sha-256=:…:`). */
export function contentDigest(body: Uint8Array, algorithm: DigestAlgorithm = 'sha-256'): string {
  return `${algorithm}=:${digestOf(algorithm, body).toString('base64')}:`;
}
