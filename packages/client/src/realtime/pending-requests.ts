import { RealtimeError } from './realtime-error.ts';

/** A reply's fields (the `reply` frame without `type` and `id`), or `{}` for a `pong`. */
export type ReplyBody = Readonly<Record<string, unknown>>;

interface Waiter {
  resolve(body: ReplyBody): void;
  reject(error: RealtimeError): void;
  channel: string | undefined;
}

/**
 * Requests sent on the current connection and waiting for their `reply`, `pong` or `error` by `id`. Ids grow
 * across connections, so a late answer from an old connection can never settle a new request.
 */
export class PendingRequests {
  #nextId = 1;
  readonly #waiting = new Map<number, Waiter>();

  /** A new id and the promise its answer settles. */
  open(channel?: string): { id: number; answer: Promise<ReplyBody> } {
    const id = this.#nextId++;
    const answer = new Promise<ReplyBody>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, channel });
    });
    return { id, answer };
  }

  resolve(id: number, body: ReplyBody): void {
    const waiter = this.#waiting.get(id);
    this.#waiting.delete(id);
    waiter?.resolve(body);
  }

  reject(id: number, code: string, message: string): void {
    const waiter = this.#waiting.get(id);
    this.#waiting.delete(id);
    waiter?.reject(new RealtimeError(code, message, { channel: waiter.channel }));
  }

  /** Stops waiting for `id`: its promise never settles (a heartbeat ping that timed out). */
  forget(id: number): void {
    this.#waiting.delete(id);
  }

  rejectAll(code: 'connection_lost' | 'closed', message: string): void {
    const waiters = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const waiter of waiters)
      waiter.reject(new RealtimeError(code, message, { channel: waiter.channel }));
  }
}
