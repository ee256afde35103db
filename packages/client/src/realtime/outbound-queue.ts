import type { StreamPosition } from './protocol.ts';
import { RealtimeError } from './realtime-error.ts';

export interface QueuedPublication {
  channel: string;
  data: unknown;
  resolve(position: StreamPosition): void;
  reject(error: RealtimeError): void;
}

/** Publications made while not connected, oldest first, at most `limit`; sent once the client is connected. */
export class OutboundQueue {
  readonly #items: QueuedPublication[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#items.length;
  }

  /** False when the queue is full (the publication is not kept). */
  push(item: QueuedPublication): boolean {
    if (this.#items.length >= this.#limit) return false;
    this.#items.push(item);
    return true;
  }

  drain(): QueuedPublication[] {
    return this.#items.splice(0);
  }

  rejectAll(message: string): void {
    for (const item of this.drain())
      item.reject(new RealtimeError('closed', message, { channel: item.channel }));
  }
}
