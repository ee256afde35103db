import type * as Argon2 from '@node-rs/argon2';
import type { Algorithm, Version } from '@node-rs/argon2';
import { cryptoRandom, type RandomSource } from '../../core/crypto/random.ts';
import { LiftError } from '../../core/errors.ts';
import { lazyRequire } from '../../core/lazy-require.ts';
import { noopTracer, type Tracer, traced } from '../../core/tracing.ts';
import { codePointLength } from './code-points.ts';

/**
 * Password hashing with argon2id (RFC 9106) in PHC string form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
 *
 * Passwords are hashed exactly as typed: no trimming, truncation, case folding or Unicode normalisation, so
 * `"é"` typed as one code point and as `e` + combining accent are different passwords. Normalising would
 * silently merge passwords; a client that wants NFC must send NFC.
 */

/**
 * `@node-rs/argon2` declares `Algorithm` and `Version` as `const enum`s, which do not exist at runtime and
 * cannot be read under `isolatedModules`; these are their documented values.
 */
const argon2 = lazyRequire<typeof Argon2>('@node-rs/argon2');
const ARGON2ID: Algorithm = 2;
const VERSION_0X13: Version = 1;

/** The longest password Lift hashes or verifies, in code points; a denial-of-service guard (see README). */
export const MAX_PASSWORD_LENGTH = 1024;

export interface PasswordHasherOptions {
  /** Memory per hash in KiB. Default 19456 (19 MiB), OWASP's argon2id baseline. */
  memoryCost?: number;
  /** Passes over memory. Default 2. */
  timeCost?: number;
  /** Lanes. Default 1. */
  parallelism?: number;
  /** Source of the dummy password's bytes. Default: the system CSPRNG. */
  random?: RandomSource;
  /**
   * Spans `password.hash` and `password.verify` (argon2id is most of a login's time). The dummy verify is a
   * `password.verify` span too, with the same attributes, so a trace does not tell a missing account apart.
   */
  tracer?: Tracer;
}

export interface PasswordHasher {
  /** A PHC-format argon2id hash of `password` with a fresh random salt. */
  hash(password: string): Promise<string>;
  /** Whether `password` matches `storedHash`; false (never a throw) when the stored hash is malformed. */
  verify(storedHash: string, password: string): Promise<boolean>;
  /** Whether `storedHash` was made with other parameters (or is unreadable) and should be replaced on login. */
  needsRehash(storedHash: string): boolean;
  /**
   * Spends the same time as verifying a wrong password, then answers false. Call it when the account does
   * not exist, so response times do not reveal which accounts do.
   */
  verifyAgainstDummy(password: string): Promise<false>;
}

/** Refuses an over-long password before any hashing work starts. */
export class PasswordTooLongError extends LiftError {
  constructor(maxLength = MAX_PASSWORD_LENGTH) {
    super('LIFT_PASSWORD_TOO_LONG', 400, 'Password too long', {
      detail: `Passwords may be at most ${maxLength} characters long.`,
      extensions: { max_length: maxLength },
    });
  }
}

export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const params = {
    algorithm: ARGON2ID,
    version: VERSION_0X13,
    memoryCost: options.memoryCost ?? 19_456,
    timeCost: options.timeCost ?? 2,
    parallelism: options.parallelism ?? 1,
  };
  const random = options.random ?? cryptoRandom;
  const tracer = options.tracer ?? noopTracer;
  const spanAttributes = { 'lift.password.algorithm': 'argon2id' };
  let dummyHash: Promise<string> | undefined;

  function assertAcceptableLength(password: string): void {
    if (codePointLength(password, MAX_PASSWORD_LENGTH) > MAX_PASSWORD_LENGTH) {
      throw new PasswordTooLongError();
    }
  }

  async function verifyQuietly(storedHash: string, password: string): Promise<boolean> {
    try {
      return await argon2().verify(storedHash, password);
    } catch {
      return false;
    }
  }

  return {
    async hash(password) {
      assertAcceptableLength(password);
      return traced(tracer, 'password.hash', spanAttributes, () => argon2().hash(password, params));
    },

    async verify(storedHash, password) {
      assertAcceptableLength(password);
      return traced(tracer, 'password.verify', spanAttributes, () => verifyQuietly(storedHash, password));
    },

    needsRehash(storedHash) {
      let stored: ReturnType<typeof Argon2.parseOptions>;
      try {
        stored = argon2().parseOptions(storedHash);
      } catch {
        return true;
      }
      return (
        stored.algorithm !== params.algorithm ||
        stored.version !== params.version ||
        stored.memoryCost !== params.memoryCost ||
        stored.timeCost !== params.timeCost ||
        stored.parallelism !== params.parallelism
      );
    },

    async verifyAgainstDummy(password) {
      assertAcceptableLength(password);
      // Made on first use, with the current parameters, so its cost matches every real stored hash.
      dummyHash ??= argon2().hash(random.bytes(32).toString('base64url'), params);
      const stored = await dummyHash;
      await traced(tracer, 'password.verify', spanAttributes, () => verifyQuietly(stored, password));
      return false;
    },
  };
}
