import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../core/request-state.ts';
import type { KeyValueStore } from '../storage/index.ts';

/**
 * One-time connection tickets (`POST /auth/ws-ticket`): for clients that cannot send a cookie or a header with
 * the upgrade (a browser on another origin). A ticket is 32 random bytes; only its SHA-256 is stored, in the
 * key-value port, with the principal that asked and a TTL (`realtime.ticketTtlMs`). Using it deletes it: of two
 * upgrades racing with one ticket, the one whose delete removed the key wins.
 */
export class Tickets {
  readonly #kv: KeyValueStore;
  readonly #ttlMs: number;

  constructor(kv: KeyValueStore, ttlMs: number) {
    this.#kv = kv;
    this.#ttlMs = ttlMs;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  async issue(principal: Principal): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    await this.#kv.set(keyOf(ticket), JSON.stringify(principal), { ttlMs: this.#ttlMs });
    return ticket;
  }

  /** The principal the ticket was issued to, once; null for an unknown, used or expired ticket. */
  async consume(ticket: string): Promise<Principal | null> {
    if (ticket.length === 0 || ticket.length > 128) return null;
    const key = keyOf(ticket);
    const stored = await this.#kv.get(key);
    if (stored === null) return null;
    if (!(await this.#kv.delete(key))) return null;
    return JSON.parse(stored) as Principal;
  }
}

function keyOf(ticket: string): string {
  return `rt:ticket:${createHash('sha256').update(ticket).digest('base64url')}`;
}
