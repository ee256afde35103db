import type { Publication } from './events.ts';
import type { ReplyBody } from './pending-requests.ts';
import type { StreamPosition } from './protocol.ts';
import type { RealtimeError } from './realtime-error.ts';

/** One channel the app listens to, across reconnects. */
export interface Subscription {
  readonly channel: string;
  /** The last position seen (from the subscribe reply or a publication); null before the first, or without history. */
  readonly position: StreamPosition | null;
  /**
   * Resolves when the server first confirms the subscription; rejects with a `RealtimeError` when it refuses
   * (`forbidden`, `bad_channel`, …) or the client closes first. A refused subscription is over.
   */
  readonly ready: Promise<void>;
  /** Stops the callback at once and tells the server; resolves when it answered (or at once when offline). */
  unsubscribe(): Promise<void>;
}

/**
 * The client's record of a subscription: the app's callback, the position to resume from, and whether the
 * server ever confirmed it (a resubscribe after that may have missed publications; the first one cannot have).
 */
export class ChannelSubscription implements Subscription {
  readonly channel: string;
  readonly ready: Promise<void>;
  readonly #onPublication: (publication: Publication) => void;
  readonly #remove: (subscription: ChannelSubscription) => Promise<void>;
  #position: StreamPosition | null = null;
  #confirmed = false;
  #settle!: { resolve(): void; reject(error: RealtimeError): void };

  constructor(
    channel: string,
    onPublication: (publication: Publication) => void,
    remove: (subscription: ChannelSubscription) => Promise<void>,
  ) {
    this.channel = channel;
    this.#onPublication = onPublication;
    this.#remove = remove;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // Marked handled: an app that never awaits `ready` still learns of a refusal through the `error` event.
    this.ready.catch(() => {});
  }

  get position(): StreamPosition | null {
    return this.#position;
  }

  unsubscribe(): Promise<void> {
    return this.#remove(this);
  }

  /** The `since` of the next subscribe request. */
  get resumeFrom(): StreamPosition | undefined {
    return this.#position ?? undefined;
  }

  /**
   * Takes the subscribe reply; returns true when publications may have been missed (a gap the app must know
   * of): the server said `recovered: false`, or a resubscribe had no position to recover from.
   */
  confirm(reply: ReplyBody): boolean {
    const resumed = this.#confirmed;
    this.#confirmed = true;
    this.#settle.resolve();
    const replied =
      typeof reply.offset === 'number' && typeof reply.epoch === 'string' && reply.epoch !== ''
        ? { offset: reply.offset, epoch: reply.epoch }
        : null;
    if (reply.recovered === false) {
      this.#position = replied;
      return true;
    }
    if (reply.recovered === true) return false;
    // A first subscribe: start at the channel's position, unless a live publication already moved past it.
    const current = this.#position;
    if (
      replied !== null &&
      (current === null || current.epoch !== replied.epoch || current.offset < replied.offset)
    ) {
      this.#position = replied;
    }
    return resumed;
  }

  refuse(error: RealtimeError): void {
    this.#settle.reject(error);
  }

  /** Hands a publication to the callback, unless it is one already delivered (same epoch, offset not newer). */
  deliver(publication: Publication): boolean {
    const { offset, epoch } = publication;
    if (epoch !== '') {
      const current = this.#position;
      if (current !== null && current.epoch === epoch && offset <= current.offset) return false;
      this.#position = { offset, epoch };
    }
    this.#onPublication(publication);
    return true;
  }
}
