import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../core/errors.ts';
import { pkceChallenge, verifyPkce } from './pkce.ts';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE S256', () => {
  it('RFC 7636 Appendix B: the verifier gives the published challenge', () => {
    expect(pkceChallenge(VERIFIER)).toBe(CHALLENGE);
    expect(verifyPkce(VERIFIER, CHALLENGE)).toBe(true);
  });

  it('refuses a different verifier, a changed challenge and a padded challenge', () => {
    expect(verifyPkce(`${VERIFIER.slice(0, -1)}Y`, CHALLENGE)).toBe(false);
    expect(verifyPkce(VERIFIER, `${CHALLENGE.slice(0, -1)}d`)).toBe(false);
    expect(verifyPkce(VERIFIER, `${CHALLENGE}=`)).toBe(false);
    expect(verifyPkce(VERIFIER, '')).toBe(false);
  });

  it('accepts exactly 43 to 128 unreserved characters as a verifier', () => {
    for (const verifier of ['a'.repeat(43), 'Z'.repeat(128), `${'0'.repeat(40)}-._~`]) {
      expect(verifyPkce(verifier, pkceChallenge(verifier)), verifier).toBe(true);
    }
    for (const verifier of [
      'a'.repeat(42),
      'a'.repeat(129),
      `${'a'.repeat(42)}+`,
      `${'a'.repeat(42)} `,
      `${'a'.repeat(42)}é`,
    ]) {
      expect(() => pkceChallenge(verifier), verifier).toThrow(BadRequestError);
      expect(verifyPkce(verifier, CHALLENGE)).toBe(false);
    }
  });

  it('the plain method is not accepted: the verifier itself is never a valid challenge', () => {
    expect(verifyPkce(VERIFIER, VERIFIER)).toBe(false);
  });
});
