import { timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets are equal, in time that does not depend on where they first differ. Values of different
 * lengths are unequal at once: every caller compares values of a public, fixed length (codes, MACs, hashes),
 * so the length tells an attacker nothing.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
