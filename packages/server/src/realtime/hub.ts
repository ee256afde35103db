import type { Logger } from 'pino';
import type { Broker } from '../storage/index.ts';
import type { RealtimeConnection } from './connection.ts';
import type { ChannelHistory, HistoryOptions, StreamPosition } from './ports.ts';

/**
 * Channels on this node: which local connections listen to each, and one broker subscription per channel with
 * any local listener (never one per connection). A publication is numbered by the history store (its offset in
 * the channel's epoch), published once on the broker, and every node that has listeners sends it to them as
 * one pre-serialised frame.
 *
 * Broker messages on `lift:rt:<channel>`: `p\n<offset>\n<epoch>\n<data JSON>` (a publication) or
 * `j\n<frame>` / `l\n<frame>` (presence join and leave, already a client frame).
 */

const PREFIX = 'lift:rt:';

export interface Delivery {
  /** Sends one frame to one connection; false when the connection was closed for reading too slowly. */
  send(connection: RealtimeConnection, frame: string, type: string): boolean;
}

export class ChannelHub {
  readonly #listeners = new Map<string, Set<RealtimeConnection>>();
  readonly #subscriptions = new Map<string, Promise<() => Promise<void>>>();
  readonly #broker: Broker;
  readonly #history: ChannelHistory;
  readonly #delivery: Delivery;
  readonly #log: Logger;

  constructor(options: { broker: Broker; history: ChannelHistory; delivery: Delivery; log: Logger }) {
    this.#broker = options.broker;
    this.#history = options.history;
    this.#delivery = options.delivery;
    this.#log = options.log;
  }

  /** Local listeners of a channel (for tests and counts). */
  listeners(channel: string): number {
    return this.#listeners.get(channel)?.size ?? 0;
  }

  /** Adds a local listener; resolves once this node receives the channel's publications. */
  async listen(channel: string, connection: RealtimeConnection): Promise<void> {
    let listeners = this.#listeners.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
    }
    listeners.add(connection);
    let subscribed = this.#subscriptions.get(channel);
    if (subscribed === undefined) {
      subscribed = this.#broker.subscribe(PREFIX + channel, (message) => this.#deliver(channel, message));
      this.#subscriptions.set(channel, subscribed);
      subscribed.catch(() => this.#subscriptions.delete(channel));
    }
    await subscribed;
  }

  /** Removes a local listener; the node's broker subscription ends with the channel's last listener. */
  unlisten(channel: string, connection: RealtimeConnection): void {
    const listeners = this.#listeners.get(channel);
    if (listeners === undefined || !listeners.delete(connection) || listeners.size > 0) return;
    this.#listeners.delete(channel);
    const subscribed = this.#subscriptions.get(channel);
    this.#subscriptions.delete(channel);
    subscribed
      ?.then((unsubscribe) => unsubscribe())
      .catch((error: unknown) => this.#log.warn({ err: error, channel }, 'realtime: unsubscribe failed'));
  }

  /** Numbers the publication in the channel's history (when kept) and hands it to every node. */
  async publish(
    channel: string,
    dataJson: string,
    history: HistoryOptions | undefined,
  ): Promise<StreamPosition> {
    const position =
      history === undefined || history.size === 0
        ? { offset: 0, epoch: '' }
        : await this.#history.append(channel, dataJson, history);
    await this.#broker.publish(PREFIX + channel, `p\n${position.offset}\n${position.epoch}\n${dataJson}`);
    return position;
  }

  /** A presence change to every node's listeners of the channel (not kept in history). */
  async announce(channel: string, kind: 'join' | 'leave', frame: string): Promise<void> {
    await this.#broker.publish(PREFIX + channel, `${kind === 'join' ? 'j' : 'l'}\n${frame}`);
  }

  async close(): Promise<void> {
    const pending = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    this.#listeners.clear();
    await Promise.allSettled(pending.map(async (subscribed) => (await subscribed)()));
  }

  #deliver(channel: string, message: string): void {
    const listeners = this.#listeners.get(channel);
    if (listeners === undefined || listeners.size === 0) return;
    let frame: string;
    let type: string;
    let offset = -1;
    if (message.startsWith('p\n')) {
      const offsetEnd = message.indexOf('\n', 2);
      const epochEnd = message.indexOf('\n', offsetEnd + 1);
      offset = Number(message.slice(2, offsetEnd));
      const epoch = message.slice(offsetEnd + 1, epochEnd);
      frame = publicationFrame(channel, offset, epoch, message.slice(epochEnd + 1));
      type = 'publication';
    } else {
      frame = message.slice(2);
      type = message.startsWith('j') ? 'join' : 'leave';
    }
    for (const connection of listeners) {
      const waiting = connection.recovering?.get(channel);
      if (waiting !== undefined) waiting.push({ offset, frame });
      else this.#delivery.send(connection, frame, type);
    }
  }
}

/** The client frame of one publication; `data` is spliced in as the JSON it already is. */
export function publicationFrame(channel: string, offset: number, epoch: string, dataJson: string): string {
  return `{"type":"publication","channel":${JSON.stringify(channel)},"offset":${offset},"epoch":${JSON.stringify(epoch)},"data":${dataJson}}`;
}
