import type { Pingable } from '../storage/index.ts';

/**
 * The realtime module's stores (DESIGN §2 rule 1: the module knows these ports, never their adapters). Each has
 * a memory adapter (one process: the embedded shape) and a Redis adapter (many nodes: exact across them), and
 * one conformance suite both pass (`*.conformance.ts`). Everything here expires by heartbeat: a node that dies
 * stops refreshing, and its entries are gone within one TTL, so counts stay exact without a scan.
 */

/** One live connection as the registry counts it. */
export interface ConnectionEntry {
  id: string;
  userId: string;
  /** The tenant the connection's credential is bound to, if any (counts per tenant). */
  tenantId: string | null;
}

/** A count of live connections: of one user, of one tenant, or of the whole cluster (`{}`). */
export type ConnectionFilter = { userId: string } | { tenantId: string } | Record<string, never>;

export interface ConnectionRegistry extends Pingable {
  /**
   * Adds the connection unless its user already has `limit` live ones, atomically across every node sharing the
   * store (two nodes admitting the user's 5th and 6th connection at once admit exactly one). Live = added or
   * refreshed within `ttlMs`. Returns whether it was admitted.
   */
  admit(entry: ConnectionEntry, limit: number, ttlMs: number): Promise<boolean>;
  /** Keeps these connections live for `ttlMs` more: a node's heartbeat, one call for all its connections. */
  refresh(entries: readonly ConnectionEntry[], ttlMs: number): Promise<void>;
  /** Forgets a connection at once (closed); a no-op for one already gone. */
  remove(entry: ConnectionEntry): Promise<void>;
  /** Live connections matching the filter, exact, without scanning. */
  count(filter: ConnectionFilter): Promise<number>;
  close(): Promise<void>;
}

/** Where a channel's stream is: the last offset given out, and the epoch that offsets are counted in. */
export interface StreamPosition {
  offset: number;
  /** Changes when the stream is lost (expired, store restarted), so offsets of an older epoch never match. */
  epoch: string;
}

export interface StoredPublication {
  offset: number;
  /** The publication's data as JSON text. */
  data: string;
}

export interface HistoryOptions {
  /** Publications kept per channel, newest first dropped last. */
  size: number;
  /** The stream is dropped this long after its last publication (then a new epoch starts). */
  ttlMs: number;
}

export interface ChannelHistory extends Pingable {
  /** Appends one publication; returns its offset (previous + 1) and the stream's epoch. */
  append(channel: string, data: string, options: HistoryOptions): Promise<StreamPosition>;
  /** The stream's current position (offset 0 and a new epoch for a stream never written or expired). */
  position(channel: string): Promise<StreamPosition>;
  /**
   * What a client that saw up to `since` missed: every publication after `since.offset`, oldest first, at most
   * `limit`. `recovered` is true only when the epoch matches and nothing in between was dropped and the
   * count fits `limit` — never a silent gap.
   */
  since(
    channel: string,
    since: StreamPosition,
    limit: number,
  ): Promise<{ publications: StoredPublication[]; position: StreamPosition; recovered: boolean }>;
  close(): Promise<void>;
}

/** One connection present in a channel. */
export interface PresenceEntry {
  connectionId: string;
  userId: string;
  /** Optional public info the connection chose to show (a display name). */
  info?: unknown;
}

/** Who is in a channel: one row per user, with how many of their connections are there. */
export interface PresenceMember {
  userId: string;
  connections: number;
  info?: unknown;
}

export interface ChannelPresence extends Pingable {
  /** Adds (or refreshes) one connection in a channel for `ttlMs`. */
  join(channel: string, entry: PresenceEntry, ttlMs: number): Promise<void>;
  /** Removes one connection from a channel. */
  leave(channel: string, connectionId: string): Promise<void>;
  /** Keeps these memberships live for `ttlMs` more (the node's heartbeat). */
  refresh(
    memberships: ReadonlyArray<{ channel: string; connectionId: string }>,
    ttlMs: number,
  ): Promise<void>;
  /** The channel's live members, per user. */
  members(channel: string): Promise<PresenceMember[]>;
  close(): Promise<void>;
}
