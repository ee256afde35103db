import type { SessionKeys } from './sql-session-store.ts';

export interface PendingInvalidation {
  tokenHash: string;
  userId: string;
  /** Also set the revoked marker (the session was deleted, not just changed). */
  revoke: boolean;
}

/** What was pending when `take()` was called; `restore()` puts it back. */
export interface TakenInvalidations {
  dropAll: boolean;
  sessions: Array<[string, PendingInvalidation]>;
  sweeps: Array<[string, string]>;
}

/**
 * What the Redis session store must still remove from Redis once it answers again: writes whose Redis side
 * failed. Past `max` entries it stops counting and asks for every session key under the prefix to go instead.
 */
export class PendingInvalidations {
  readonly #max: number;
  /** session id → what to remove from Redis once it answers again. */
  readonly #pending = new Map<string, PendingInvalidation>();
  /** userId → id to keep ('' = none), for `deleteByUser` calls whose Redis side failed. */
  readonly #pendingSweeps = new Map<string, string>();
  /** Too many pending invalidations: drop every session key under the prefix instead. */
  #dropAll = false;

  constructor(max: number) {
    this.#max = max;
  }

  get empty(): boolean {
    return !(this.#dropAll || this.#pending.size > 0 || this.#pendingSweeps.size > 0);
  }

  remember(keys: SessionKeys, revoke: boolean): void {
    if (this.#dropAll) return;
    const known = this.#pending.get(keys.id);
    if (!known && this.#pending.size + this.#pendingSweeps.size >= this.#max) {
      this.dropEverythingLater();
      return;
    }
    this.#pending.set(keys.id, {
      tokenHash: keys.tokenHash || known?.tokenHash || '',
      userId: keys.userId || known?.userId || '',
      revoke: revoke || known?.revoke === true,
    });
  }

  rememberSweep(userId: string, exceptId: string): void {
    if (this.#dropAll) return;
    const known = this.#pendingSweeps.get(userId);
    if (known === undefined && this.#pending.size + this.#pendingSweeps.size >= this.#max) {
      this.dropEverythingLater();
      return;
    }
    // Two sweeps that keep different sessions are applied as one that keeps none: removing too much from a
    // cache only costs SQL reads, removing too little could keep a revoked session alive.
    this.#pendingSweeps.set(userId, known === undefined || known === exceptId ? exceptId : '');
  }

  dropEverythingLater(): void {
    this.#dropAll = true;
    this.#pending.clear();
    this.#pendingSweeps.clear();
  }

  /** Everything pending, which is cleared: the caller applies it, or gives it back to `restore()`. */
  take(): TakenInvalidations {
    const taken = { dropAll: this.#dropAll, sessions: [...this.#pending], sweeps: [...this.#pendingSweeps] };
    this.#dropAll = false;
    this.#pending.clear();
    this.#pendingSweeps.clear();
    return taken;
  }

  /** Puts back what `take()` returned, merged with what failed in the meantime; applying twice is harmless. */
  restore(taken: TakenInvalidations): void {
    if (taken.dropAll) this.dropEverythingLater();
    for (const [id, entry] of taken.sessions) this.remember({ id, ...entry }, entry.revoke);
    for (const [userId, exceptId] of taken.sweeps) this.rememberSweep(userId, exceptId);
  }
}
