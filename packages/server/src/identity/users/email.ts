import { domainToASCII } from 'node:url';
import { ValidationError } from '../../core/errors.ts';

/** An address as accepted: `email` is what we show and send to, `normalized` is what we compare and index. */
export interface NormalizedEmail {
  /** The local part as typed (case kept), `@`, the domain in lower-case ASCII (IDNs as punycode). */
  email: string;
  /** `email` with the local part lower-cased too; unique per user. */
  normalized: string;
}

/** RFC 5321 §4.5.3.1: a path holds at most 254 octets of address, a local part at most 64. */
const MAX_EMAIL_OCTETS = 254;
const MAX_LOCAL_OCTETS = 64;

/**
 * A dot-atom local part (RFC 5322 §3.2.3) that may also hold non-ASCII letters (RFC 6531). Quoted local
 * parts, comments and control characters are refused: nobody signs up with them, and they are a classic way
 * to make one address look like another.
 */
const LOCAL_ATOM = /^[^\s\p{Cc}"(),:;<>@[\\\]]+$/u;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Trims, converts the domain to lower-case ASCII and checks the address has the form `local@domain`.
 *
 * The normalised form lower-cases the local part as well. RFC 5321 lets a server treat `Bob` and `bob` as
 * different mailboxes, but almost no provider does, and two accounts that differ only in case invite
 * confusion and account take-over by look-alike sign-up. The local part's case is still kept for display
 * and for sending. Throws `ValidationError` with an issue on `email` otherwise.
 */
export function normalizeEmail(input: string): NormalizedEmail {
  const trimmed = input.trim().normalize('NFC');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1)
    throw invalidEmail('An email address looks like name@example.com.');
  const local = trimmed.slice(0, at);
  const domain = asciiDomain(trimmed.slice(at + 1));
  if (!isDotAtom(local) || Buffer.byteLength(local) > MAX_LOCAL_OCTETS || domain === undefined) {
    throw invalidEmail('An email address looks like name@example.com.');
  }
  const email = `${local}@${domain}`;
  if (Buffer.byteLength(email) > MAX_EMAIL_OCTETS) {
    throw invalidEmail(`An email address has at most ${MAX_EMAIL_OCTETS} characters.`);
  }
  return { email, normalized: `${local.toLowerCase()}@${domain}` };
}

function isDotAtom(local: string): boolean {
  return local.split('.').every((atom) => LOCAL_ATOM.test(atom));
}

/** The domain in lower-case ASCII (punycode for IDNs), or undefined when it is not a host name. */
function asciiDomain(domain: string): string | undefined {
  if (/\s/u.test(domain)) return undefined;
  const ascii = domainToASCII(domain);
  if (ascii === '' || ascii.length > 253) return undefined;
  return ascii.split('.').every((label) => DOMAIN_LABEL.test(label)) ? ascii : undefined;
}

function invalidEmail(message: string): ValidationError {
  return new ValidationError([{ location: 'body', path: 'email', message, code: 'invalid_format' }]);
}

/**
 * The normalised form of `email`, or null when it is not an address Lift can store — for lookups, where an
 * impossible address simply matches nobody.
 */
export function normalizedOrNull(email: string): string | null {
  try {
    return normalizeEmail(email).normalized;
  } catch (error) {
    if (error instanceof ValidationError) return null;
    throw error;
  }
}
