import type { Announcing } from '../../core/events.ts';

export type MfaFactorType = 'totp';

/** A user's second factor as stored. The store keeps what it is given and never sees a clear secret or code. */
export interface MfaFactor {
  userId: string;
  type: MfaFactorType;
  /** The TOTP secret as `sealSecret` returned it, sealed with the user id as associated data. */
  secretSealed: string;
  /** Null while enrolment waits for the first code; only confirmed factors are asked for at sign-in. */
  confirmedAt: Date | null;
  /** The time step of the last accepted code; a code of this step or earlier is a replay. */
  lastUsedStep: number | null;
  /** `hashRecoveryCode` hashes in the order shown to the user; a used code's slot is null. */
  recoveryCodes: (string | null)[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Where MFA factors live: one TOTP factor per user. Every change that guards against reuse is a single
 * conditional write, so of concurrent attempts to use the same code exactly one succeeds. Changes move
 * `updatedAt` to the clock's now.
 *
 * `announce` (the transactional outbox, core/events.ts): a store with transactions calls it inside the
 * change's transaction with the method's result, and writes the events it returns in that transaction, so
 * they commit or roll back with the change; a throwing `announce` leaves the factor as it was.
 */
export interface MfaFactorStore {
  get(userId: string): Promise<MfaFactor | null>;
  /**
   * Stores a new unconfirmed factor, replacing an earlier unconfirmed one (a restarted enrolment). Returns
   * false, changing nothing, when the user already has a confirmed factor: that must be deleted first.
   */
  savePending(userId: string, secretSealed: string): Promise<boolean>;
  /**
   * Confirms a pending factor with the step of the code that proved it (which is then used up) and the
   * recovery-code hashes. False when there is no pending factor. `announce`: the events to write with it.
   */
  confirm(
    userId: string,
    recoveryCodeHashes: readonly string[],
    step: number,
    options?: Announcing<boolean>,
  ): Promise<boolean>;
  /** Records `step` as used; false when the factor is not confirmed or a step at or after it was used already. */
  useStep(userId: string, step: number): Promise<boolean>;
  /** Clears the recovery-code slot at `index`; false when the factor is not confirmed or the slot is empty. */
  useRecoveryCode(userId: string, index: number): Promise<boolean>;
  /** Replaces every recovery code of a confirmed factor; false when there is none. `announce` as above. */
  replaceRecoveryCodes(
    userId: string,
    recoveryCodeHashes: readonly string[],
    options?: Announcing<boolean>,
  ): Promise<boolean>;
  /** Removes the factor, confirmed or not; false when there was none. `announce` as above. */
  delete(userId: string, options?: Announcing<boolean>): Promise<boolean>;
}
