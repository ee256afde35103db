import type * as ZxcvbnCore from '@zxcvbn-ts/core';
import type { Match, ZxcvbnFactory } from '@zxcvbn-ts/core';
import type * as ZxcvbnCommon from '@zxcvbn-ts/language-common';
import { LiftError } from '../../core/errors.ts';
import { lazyRequire } from '../../core/lazy-require.ts';
import { codePointLength } from './code-points.ts';
import { MAX_PASSWORD_LENGTH } from './password-hasher.ts';

/**
 * Password acceptance per NIST SP 800-63B §3.1.1.2: a minimum length, a generous maximum, a check against
 * known-common passwords and personal data, and a guessability estimate (zxcvbn-ts). No composition rules:
 * "must contain a digit and a symbol" makes passwords harder to remember, not harder to guess.
 */

export type PasswordRefusalCode =
  | 'PASSWORD_TOO_SHORT'
  | 'PASSWORD_TOO_LONG'
  | 'PASSWORD_TOO_COMMON'
  | 'PASSWORD_TOO_GUESSABLE'
  | 'PASSWORD_CONTAINS_PERSONAL_DATA';

export interface PasswordRefusal {
  /** Stable; clients may switch on it. */
  code: PasswordRefusalCode;
  /** A sentence for the person choosing the password. */
  message: string;
}

export type PasswordCheck = { ok: true } | { ok: false; reasons: PasswordRefusal[] };

export interface PasswordContext {
  email?: string;
  name?: string;
}

export interface PasswordPolicyOptions {
  /** Shortest accepted password, in code points. Default 12. */
  minLength?: number;
  /** Longest accepted password, in code points. Default 1024, the hasher's limit. */
  maxLength?: number;
  /** Lowest accepted zxcvbn score, 0 (trivial) to 4 (very hard to guess). Default 3. */
  minScore?: 0 | 1 | 2 | 3 | 4;
}

export interface PasswordPolicy {
  check(password: string, context?: PasswordContext): PasswordCheck;
}

/** A refused password, with every reason (`extensions.reasons`) so a client can show them all at once. */
export class WeakPasswordError extends LiftError {
  readonly reasons: readonly PasswordRefusal[];
  constructor(reasons: readonly PasswordRefusal[]) {
    super('LIFT_WEAK_PASSWORD', 400, 'Weak password', {
      detail: reasons.map((reason) => reason.message).join(' '),
      extensions: { reasons: reasons.map(({ code, message }) => ({ code, message })) },
    });
    this.reasons = reasons;
  }
}

/** Personal fragments shorter than this would refuse too much ("al" is in "always"). */
const MIN_PERSONAL_FRAGMENT = 3;
const COMMON_PASSWORDS = 'passwords-common';

const zxcvbnCore = lazyRequire<typeof ZxcvbnCore>('@zxcvbn-ts/core');
const zxcvbnCommon = lazyRequire<typeof ZxcvbnCommon>('@zxcvbn-ts/language-common');
let estimator: ZxcvbnFactory | undefined;

/** Loading the dictionaries takes tens of milliseconds, so it happens on first use, once per process. */
function passwordEstimator(): ZxcvbnFactory {
  const { adjacencyGraphs, dictionary } = zxcvbnCommon();
  estimator ??= new (zxcvbnCore().ZxcvbnFactory)({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  return estimator;
}

export function createPasswordPolicy(options: PasswordPolicyOptions = {}): PasswordPolicy {
  const minLength = options.minLength ?? 12;
  const maxLength = options.maxLength ?? MAX_PASSWORD_LENGTH;
  const minScore = options.minScore ?? 3;

  return {
    check(password, context = {}) {
      const reasons: PasswordRefusal[] = [];
      const length = codePointLength(password, maxLength);
      if (length > maxLength) {
        // Nothing else is worth saying, and estimating a huge input would be wasted work.
        return { ok: false, reasons: [tooLong(maxLength)] };
      }
      if (length < minLength) {
        reasons.push({
          code: 'PASSWORD_TOO_SHORT',
          message: `Use at least ${minLength} characters; a few unrelated words make a long password easy to remember.`,
        });
      }

      const fragments = personalFragments(context);
      const lowered = password.toLowerCase();
      if (fragments.some((fragment) => lowered.includes(fragment))) {
        reasons.push({
          code: 'PASSWORD_CONTAINS_PERSONAL_DATA',
          message: 'Do not use your email address or name in your password; they are the first things tried.',
        });
      }

      const estimate = passwordEstimator().check(password, fragments);
      const weak = estimate.score < minScore;
      if (weak && builtFromCommonPasswords(estimate.sequence)) {
        reasons.push({
          code: 'PASSWORD_TOO_COMMON',
          message: 'This password is on lists of commonly used passwords that attackers try first.',
        });
      } else if (weak) {
        reasons.push({
          code: 'PASSWORD_TOO_GUESSABLE',
          message:
            'This password follows a pattern that is easy to guess (repeats, sequences, keyboard runs or common words); add more unrelated words.',
        });
      }

      return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
    },
  };
}

function tooLong(maxLength: number): PasswordRefusal {
  return { code: 'PASSWORD_TOO_LONG', message: `Use at most ${maxLength} characters.` };
}

/**
 * Common means made up only of entries of the common-passwords list (also reversed, l33t or recased), such
 * as `password123456` = `password` + `123456`: attackers try exactly these, and their combinations, first.
 */
function builtFromCommonPasswords(sequence: readonly Match[]): boolean {
  return (
    sequence.length > 0 &&
    sequence.every((match) => match.pattern === 'dictionary' && match.dictionaryName === COMMON_PASSWORDS)
  );
}

/** The email, its local part, the name and each word of the name, lower-cased, long enough to matter. */
function personalFragments(context: PasswordContext): string[] {
  const fragments = new Set<string>();
  const email = context.email?.trim().toLowerCase();
  if (email) {
    fragments.add(email);
    const at = email.lastIndexOf('@');
    if (at > 0) fragments.add(email.slice(0, at));
  }
  const name = context.name?.trim().toLowerCase();
  if (name) {
    fragments.add(name);
    for (const word of name.split(/\s+/)) fragments.add(word);
  }
  return [...fragments].filter((fragment) => codePointLength(fragment) >= MIN_PERSONAL_FRAGMENT);
}
