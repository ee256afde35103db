/**
 * The outbox port: rows a process writes next to a change and that someone must act on later, at least once.
 * Relays and workers claim due rows with a lease (a process that dies mid-work loses its claim when the lease
 * ends, and another takes the row); the change feed reads recent news without claiming it.
 */

export type OutboxKind = 'event' | 'job' | 'news';

export interface OutboxEntry {
  kind: OutboxKind;
  /** Broker channel (`event`, `news`) or job type. */
  topic: string;
  payload: string;
  /** What an idempotent consumer keys on: the event id, or a job's key. */
  dedupeKey: string;
  /** Not claimed before this time (ms); default: now. */
  availableAt?: number;
}

export interface OutboxRow {
  id: string;
  kind: OutboxKind;
  topic: string;
  payload: string;
  origin: string;
  dedupeKey: string;
  createdAt: number;
  /** Claims so far, this one included. */
  attempts: number;
}

export interface ClaimRequest {
  kind: OutboxKind;
  /** Who claims (a process id): only the holder of a claim may settle it. */
  owner: string;
  limit: number;
  leaseMs: number;
  /** Only rows of these topics (the job types this process can run); all when omitted. */
  topics?: readonly string[];
}

export interface OutboxStore {
  /**
   * Writes rows; returns their ids in order. `claim` writes them already claimed (the writer is about to handle
   * them itself, and others take them only when its lease ends).
   */
  append(
    entries: readonly OutboxEntry[],
    options?: { claim?: { owner: string; leaseMs: number } },
  ): Promise<string[]>;
  /** Claims up to `limit` due rows, oldest first: neither done nor held by a live lease. */
  claim(request: ClaimRequest): Promise<OutboxRow[]>;
  /** Marks a claimed row done; `wipe` clears its payload (a job's sealed mail). False when the claim was lost. */
  complete(id: string, owner: string, options?: { wipe?: boolean }): Promise<boolean>;
  /**
   * Marks done the event rows with these dedupe keys (event ids) that `owner` holds: events a store wrote in
   * its own transaction, claimed by this process, once published. Returns how many.
   */
  completeEvents(dedupeKeys: readonly string[], owner: string): Promise<number>;
  /** Releases a claimed row to be claimed again at `availableAt`, noting why it failed. */
  retry(id: string, owner: string, availableAt: number, error: string): Promise<boolean>;
  /** Ends a claimed row that will never succeed, noting why. */
  giveUp(id: string, owner: string, error: string): Promise<boolean>;
  /**
   * News and events written at or after `since` (ms) by other origins, oldest first: an event row is news for
   * every other process too, so it is not written twice.
   */
  newsSince(since: number, excludeOrigin: string): Promise<OutboxRow[]>;
  /** Deletes done rows finished before `doneBefore` and news written before `newsBefore`. */
  purge(doneBefore: number, newsBefore: number): Promise<number>;
  /**
   * When the oldest row of `kind` that is not done yet was written (ms), null when none waits: for events, how
   * far the relay is behind (the `outbox` health component).
   */
  oldestUndoneAt(kind: OutboxKind): Promise<number | null>;
  /** How many rows of `kind` are not done yet (for events: the `outbox_pending_events` gauge). */
  countUndone(kind: OutboxKind): Promise<number>;
  /**
   * False when nothing can have changed since the last call (SQLite: no other connection committed, by
   * `PRAGMA data_version`), so a poller skips its query; true when it cannot tell.
   */
  othersMayHaveWritten(): Promise<boolean>;
}
