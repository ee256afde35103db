import type { JsonWebKey } from 'node:crypto';
import type { Announcing } from '../../core/events.ts';
import type { JwsAlgorithm } from '../jws/jws-types.ts';

/**
 * `pending` keys exist but sign nothing; exactly one key is `active` and signs; `retired` keys only verify,
 * until `verifyUntil`.
 */
export type SigningKeyStatus = 'pending' | 'active' | 'retired';

export interface StoredSigningKey {
  kid: string;
  alg: JwsAlgorithm;
  /** Public members only; null for HS* secrets. */
  publicJwk: JsonWebKey | null;
  /** `sealSecret` output; opens only with the sealing key and this key's kid as associated data. */
  privateSealed: string;
  status: SigningKeyStatus;
  /** Milliseconds since the epoch, like every time below. */
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
  /** Set on retirement: tokens signed by this key verify until then, and the key may be deleted after. */
  verifyUntil: number | null;
}

export interface NewSigningKey {
  kid: string;
  alg: JwsAlgorithm;
  publicJwk: JsonWebKey | null;
  privateSealed: string;
  createdAt: number;
}

export interface ActivateSigningKeyInput {
  /** Becomes `activatedAt` of the new key and `retiredAt` of the previous one. */
  now: number;
  /** Until when the previously active key keeps verifying. */
  previousVerifyUntil: number;
  /**
   * Compare-and-set. Omitted: activate whatever is active now. `null`: only when no key is active (first
   * start). A kid: only while that key is the active one, so nodes rotating on the same schedule rotate once.
   */
  expectedActive?: string | null;
}

/** Where signing keys live; shared by every node of a deployment. */
export interface SigningKeyStore {
  /** Every key, whatever its status, newest first. */
  list(): Promise<StoredSigningKey[]>;
  /** Adds a key as `pending`. */
  insert(key: NewSigningKey): Promise<void>;
  /**
   * In one transaction, and serialised against concurrent activations: the pending key `kid` becomes active
   * and the previously active key is retired. Returns false, changing nothing, when `kid` is not a pending
   * key or `expectedActive` does not hold. `announce` (the transactional outbox, core/events.ts): called (with
   * true) only when the activation happens, inside its transaction, which also writes the events it returns.
   */
  activate(kid: string, input: ActivateSigningKeyInput & Announcing<boolean>): Promise<boolean>;
  /** Deletes `kid` if it is still pending (a key that lost an activation race); true when it did. */
  discardPending(kid: string): Promise<boolean>;
  /** Deletes retired keys whose `verifyUntil` is before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}
