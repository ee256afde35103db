import cluster from 'node:cluster';
import { reportBrokerHandlerError } from '../broker-handler-error.ts';
import type { Broker, BrokerHandler } from '../ports.ts';
import { type BrokerRelayMessage, isBrokerRelayMessage } from './cluster-broker-relay.ts';

export interface MemoryBrokerOptions {
  /** Called when a handler throws; the default emits a process warning. Other handlers still run. */
  onHandlerError?: (error: unknown, channel: string) => void;
}

interface Subscription {
  handler: BrokerHandler;
}

/**
 * The in-process broker of the embedded shape. Inside a `node:cluster` worker it also sends each publication
 * to the primary, whose `installClusterBrokerRelay()` forwards it to the other workers, so every process of
 * the machine hears it. Without that relay a worker still delivers to its own subscribers.
 */
export class MemoryBroker implements Broker {
  readonly #channels = new Map<string, Set<Subscription>>();
  readonly #onHandlerError: (error: unknown, channel: string) => void;
  readonly #relayed: boolean;
  #closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.#onHandlerError = options.onHandlerError ?? reportBrokerHandlerError;
    this.#relayed = cluster.isWorker && typeof process.send === 'function';
    if (this.#relayed) process.on('message', this.#onRelayMessage);
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#deliver(channel, message);
    if (this.#relayed) await sendToPrimary({ lift: 'broker', channel, message });
  }

  async subscribe(channel: string, handler: BrokerHandler): Promise<() => Promise<void>> {
    const subscription: Subscription = { handler };
    let subscriptions = this.#channels.get(channel);
    if (!subscriptions) {
      subscriptions = new Set();
      this.#channels.set(channel, subscriptions);
    }
    subscriptions.add(subscription);
    return async () => {
      const current = this.#channels.get(channel);
      current?.delete(subscription);
      if (current?.size === 0) this.#channels.delete(channel);
    };
  }

  async ping(): Promise<void> {}

  /** In one process (or relayed between cluster workers over IPC) nothing is lost, so there is never a resync. */
  onResync(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    if (this.#relayed) process.off('message', this.#onRelayMessage);
  }

  readonly #onRelayMessage = (message: unknown): void => {
    if (isBrokerRelayMessage(message)) this.#deliver(message.channel, message.message);
  };

  #deliver(channel: string, message: string): void {
    const subscriptions = this.#channels.get(channel);
    if (!subscriptions) return;
    // Handlers run after publish() returns, as they would with a remote broker, and never re-enter it.
    for (const { handler } of [...subscriptions]) {
      queueMicrotask(() => {
        try {
          handler(message, channel);
        } catch (error) {
          this.#onHandlerError(error, channel);
        }
      });
    }
  }
}

function sendToPrimary(message: BrokerRelayMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send!(message, undefined, undefined, (error: Error | null) =>
      error ? reject(error) : resolve(),
    );
  });
}
