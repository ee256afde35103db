import { reportBrokerHandlerError } from '../broker-handler-error.ts';
import type { Broker, BrokerHandler } from '../ports.ts';
import { openRedisConnection, type RedisConnection } from './redis-connection.ts';

export interface RedisBrokerOptions {
  url: string;
  /** Prepended to every channel name on Redis (default `lift:`); handlers see the name without it. */
  prefix?: string;
  /** Deadline of `publish()` in ms (default 2000). */
  publishTimeoutMs?: number;
  /** Deadline of `ping()` in ms (default 1000). */
  pingTimeoutMs?: number;
  /** Called when a handler throws; the default emits a process warning. Other handlers still run. */
  onHandlerError?: (error: unknown, channel: string) => void;
}

interface Subscription {
  handler: BrokerHandler;
}

interface ChannelState {
  subscriptions: Set<Subscription>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  active: Promise<void>;
}

/** Where a node that could not publish during an outage tells every node to resync (under the prefix). */
const RESYNC_CHANNEL = '~broker:resync';

/**
 * Redis pub/sub for the scaled shape: one connection publishes, one listens. After Redis comes back from an
 * outage the listener resubscribes every channel (ioredis's autoResubscribe), and a `subscribe()` made during
 * the outage waits and completes on reconnect. Messages published during an outage are lost (at-most-once),
 * so `onResync` listeners run when they may have been: when this node's subscriptions are back after a drop,
 * and when any node whose publications failed reconnects (it announces that on a reserved channel), which also
 * covers a node whose own subscription never dropped. While the publisher is known to be down `publish()`
 * fails at once rather than waiting for its deadline.
 */
export class RedisBroker implements Broker {
  readonly #publisher: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #prefix: string;
  readonly #pingTimeoutMs: number;
  readonly #onHandlerError: (error: unknown, channel: string) => void;
  readonly #channels = new Map<string, ChannelState>();
  readonly #resyncListeners = new Set<() => void>();
  /** The subscriber connection closed since it was last ready: its next `ready` is a resync. */
  #subscriberDropped = false;
  /** A publication failed since the publisher was last ready: announce a resync when it is back. */
  #publishFailed = false;
  #closing: Promise<void> | undefined;

  constructor(options: RedisBrokerOptions) {
    this.#prefix = options.prefix ?? 'lift:';
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 1_000;
    this.#onHandlerError = options.onHandlerError ?? reportBrokerHandlerError;
    this.#publisher = openRedisConnection(options.url, {
      commandTimeoutMs: options.publishTimeoutMs ?? 2_000,
    });
    // No deadline and no retry limit: a SUBSCRIBE issued during an outage stays queued until Redis is back.
    this.#subscriber = openRedisConnection(options.url, { maxRetriesPerRequest: null });
    this.#subscriber.client.on('message', this.#onMessage);
    this.#subscriber.client.on('close', () => {
      this.#subscriberDropped = true;
    });
    this.#subscriber.client.on('ready', () => {
      if (this.#subscriberDropped) void this.#resubscribed();
    });
    this.#publisher.client.on('ready', () => {
      if (this.#publishFailed) void this.#announceResync();
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    try {
      await this.#publisher.command('broker', () =>
        this.#publisher.client.publish(this.#prefix + channel, message),
      );
    } catch (error) {
      this.#publishFailed = true;
      throw error;
    }
    // The broker works again after a failure that did not drop the connection (a timeout).
    if (this.#publishFailed) void this.#announceResync();
  }

  onResync(listener: () => void): () => void {
    if (this.#resyncListeners.size === 0 && !this.#channels.has(RESYNC_CHANNEL)) {
      // Heard like any channel, so a resync announced by another node reaches this one's listeners.
      void this.subscribe(RESYNC_CHANNEL, () => this.#resync()).catch(() => {});
    }
    this.#resyncListeners.add(listener);
    return () => {
      this.#resyncListeners.delete(listener);
    };
  }

  async subscribe(channel: string, handler: BrokerHandler): Promise<() => Promise<void>> {
    const subscription: Subscription = { handler };
    let state = this.#channels.get(channel);
    if (!state) {
      const active = this.#subscriber.client.subscribe(this.#prefix + channel).then(() => {});
      state = { subscriptions: new Set(), active };
      this.#channels.set(channel, state);
    }
    state.subscriptions.add(subscription);
    try {
      await state.active;
    } catch (error) {
      this.#remove(channel, subscription);
      throw error;
    }
    return async () => {
      if (!this.#remove(channel, subscription) || this.#closing) return;
      const unsubscribed = this.#subscriber.client.unsubscribe(this.#prefix + channel);
      // Handlers are already gone; during an outage the UNSUBSCRIBE is sent on reconnect without waiting here.
      if (this.#subscriber.client.status === 'ready') await unsubscribed;
      else unsubscribed.catch(() => {});
    };
  }

  /** Rejects within the ping deadline when either connection is not working. */
  async ping(): Promise<void> {
    await Promise.all([
      this.#publisher.ping(this.#pingTimeoutMs),
      this.#subscriber.ready(this.#pingTimeoutMs),
    ]);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#channels.clear();
      this.#subscriber.client.off('message', this.#onMessage);
      await Promise.all([this.#subscriber.close(), this.#publisher.close()]);
    })();
    return this.#closing;
  }

  /**
   * The subscriber is back after a drop. ioredis has queued the resubscription; one more SUBSCRIBE of every
   * channel, awaited, makes sure they are active before listeners reread state, so nothing published after
   * their read is missed.
   */
  async #resubscribed(): Promise<void> {
    this.#subscriberDropped = false;
    const channels = [...this.#channels.keys()].map((channel) => this.#prefix + channel);
    try {
      if (channels.length > 0) await this.#subscriber.client.subscribe(...channels);
    } catch {
      // Dropped again before it completed: the next `ready` runs this again.
      return;
    }
    this.#resync();
  }

  async #announceResync(): Promise<void> {
    this.#publishFailed = false;
    try {
      await this.#publisher.client.publish(this.#prefix + RESYNC_CHANNEL, '');
    } catch {
      this.#publishFailed = true;
    }
  }

  #resync(): void {
    if (this.#closing) return;
    for (const listener of [...this.#resyncListeners]) {
      try {
        listener();
      } catch (error) {
        this.#onHandlerError(error, RESYNC_CHANNEL);
      }
    }
  }

  /** Removes one subscription; true when it was the channel's last, so Redis should stop sending it. */
  #remove(channel: string, subscription: Subscription): boolean {
    const state = this.#channels.get(channel);
    if (!state?.subscriptions.delete(subscription) || state.subscriptions.size > 0) return false;
    this.#channels.delete(channel);
    return true;
  }

  readonly #onMessage = (prefixedChannel: string, message: string): void => {
    if (!prefixedChannel.startsWith(this.#prefix)) return;
    const channel = prefixedChannel.slice(this.#prefix.length);
    for (const { handler } of [...(this.#channels.get(channel)?.subscriptions ?? [])]) {
      try {
        handler(message, channel);
      } catch (error) {
        this.#onHandlerError(error, channel);
      }
    }
  };
}
