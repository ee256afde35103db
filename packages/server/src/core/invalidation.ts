import type { Logger } from 'pino';
import type { Broker } from '../storage/index.ts';
import { publishInBackground } from './publish-in-background.ts';

/**
 * Cross-node cache invalidation (DESIGN §2 rule 4): the one mechanism by which a node tells every node of the
 * deployment (itself included) that something its caches hold changed — a session ended, a token was revoked,
 * a role or grant changed, the signing key rotated. A cache subscribes to its topic; the writer calls
 * `invalidate(topic, key)` after the durable write. Messages are the fast path only: when some may have been
 * lost, `onResync` fires and each cache rereads its durable state.
 *
 * One broker channel carries every topic (`lift:invalidate`), beside the events channel (`lift:events`).
 */

export const INVALIDATION_CHANNEL = 'lift:invalidate';

/** Called with the key another node (or this one) invalidated. */
export type InvalidationHandler = (key: string) => void;

export interface Invalidation {
  /**
   * Tells every node that `key` of `topic` changed, without waiting: never delays the caller, never throws.
   * A failed publication is logged; the broker's resync makes other nodes reread.
   */
  invalidate(topic: string, key: string): void;
  /** Calls `handler` for each key of `topic` invalidated anywhere. Resolves once active; returns the unsubscribe. */
  on(topic: string, handler: InvalidationHandler): Promise<() => Promise<void>>;
  /** Calls `listener` whenever invalidations may have been lost; returns the unsubscribe. */
  onResync(listener: () => void): () => void;
}

interface InvalidationMessage {
  topic: string;
  key: string;
}

function parseMessage(raw: string): InvalidationMessage | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<InvalidationMessage> | null;
    if (typeof parsed?.topic === 'string' && typeof parsed.key === 'string') {
      return { topic: parsed.topic, key: parsed.key };
    }
  } catch {
    // Reported below like any other malformed message.
  }
  return undefined;
}

/** The invalidation port on the deployment's broker (in-process, cluster relay or Redis pub/sub). */
export class BrokerInvalidation implements Invalidation {
  readonly #broker: () => Broker;
  readonly #log: Pick<Logger, 'warn' | 'error'>;
  readonly #handlers = new Map<string, Set<InvalidationHandler>>();
  /** The one broker subscription, made with the first handler and dropped with the last. */
  #subscription: Promise<() => Promise<void>> | undefined;

  /** `broker` is a getter so the storage stays lazy until a cache starts. */
  constructor(broker: () => Broker, log: Pick<Logger, 'warn' | 'error'>) {
    this.#broker = broker;
    this.#log = log;
  }

  invalidate(topic: string, key: string): void {
    const message = JSON.stringify({ topic, key } satisfies InvalidationMessage);
    try {
      publishInBackground(this.#broker(), INVALIDATION_CHANNEL, message, (error) => {
        this.#log.warn(
          { err: error, topic },
          'could not publish an invalidation; other nodes reread on resync',
        );
      });
    } catch (error) {
      this.#log.warn(
        { err: error, topic },
        'could not publish an invalidation; other nodes reread on resync',
      );
    }
  }

  async on(topic: string, handler: InvalidationHandler): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(topic, handlers);
    }
    const own = (key: string) => handler(key);
    handlers.add(own);
    try {
      await this.#subscribed();
    } catch (error) {
      await this.#remove(topic, own);
      throw error;
    }
    return () => this.#remove(topic, own);
  }

  onResync(listener: () => void): () => void {
    return this.#broker().onResync(listener);
  }

  #subscribed(): Promise<() => Promise<void>> {
    this.#subscription ??= this.#broker().subscribe(INVALIDATION_CHANNEL, (raw) => this.#deliver(raw));
    this.#subscription.catch(() => {
      this.#subscription = undefined;
    });
    return this.#subscription;
  }

  #deliver(raw: string): void {
    const message = parseMessage(raw);
    if (message === undefined) {
      this.#log.warn('ignored a malformed invalidation message');
      return;
    }
    for (const handler of [...(this.#handlers.get(message.topic) ?? [])]) {
      try {
        handler(message.key);
      } catch (error) {
        this.#log.error({ err: error, topic: message.topic }, 'an invalidation handler failed');
      }
    }
  }

  async #remove(topic: string, handler: InvalidationHandler): Promise<void> {
    const handlers = this.#handlers.get(topic);
    if (!handlers?.delete(handler)) return;
    if (handlers.size === 0) this.#handlers.delete(topic);
    if (this.#handlers.size > 0 || this.#subscription === undefined) return;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    const unsubscribe = await subscription.catch(() => undefined);
    await unsubscribe?.();
  }
}
