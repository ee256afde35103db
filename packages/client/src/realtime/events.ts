import type { StreamPosition } from './protocol.ts';
import type { RealtimeError } from './realtime-error.ts';

export type RealtimeState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StateChange {
  state: RealtimeState;
  previous: RealtimeState;
  /** The close code of the connection that ended (1006 when the socket just dropped or never opened). */
  closeCode?: number;
  closeReason?: string;
  /** With `reconnecting`: how long the client waits before the next attempt (ms). */
  delayMs?: number;
}

export interface Publication {
  channel: string;
  /** The publication's position in the channel's history; 0 and `''` for a channel that keeps none. */
  offset: number;
  epoch: string;
  data: unknown;
}

export interface PresenceChange {
  channel: string;
  userId: string;
}

/** A resubscribe could not replay what the client missed: reload the channel's state. */
export interface Gap {
  channel: string;
  /** Where the channel's stream is now (null for a channel without history). */
  position: StreamPosition | null;
}

export interface Revoked {
  /** The server's close reason. */
  reason: string;
}

/** Every event the client emits and what its listeners receive. */
export interface RealtimeEvents {
  /** Each change of `state`; `reconnecting` again before each further attempt, with its delay. */
  state: StateChange;
  /** Every publication of every subscribed channel, after the subscription's own callback. */
  publication: Publication;
  join: PresenceChange;
  leave: PresenceChange;
  gap: Gap;
  /** The server revoked the login (close 4003); the client is closed. */
  revoked: Revoked;
  error: RealtimeError;
}

export type RealtimeEventName = keyof RealtimeEvents;

type Listener<K extends RealtimeEventName> = (event: RealtimeEvents[K]) => void;

/** Typed listeners. A listener that throws does not stop the others or the client; its error is rethrown apart. */
export class RealtimeEmitter {
  readonly #listeners: { [K in RealtimeEventName]?: Set<Listener<K>> } = {};

  on<K extends RealtimeEventName>(event: K, listener: Listener<K>): () => void {
    let listeners = this.#listeners[event] as Set<Listener<K>> | undefined;
    if (listeners === undefined) {
      listeners = new Set();
      (this.#listeners as Record<K, Set<Listener<K>>>)[event] = listeners;
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  emit<K extends RealtimeEventName>(event: K, value: RealtimeEvents[K]): void {
    const listeners = this.#listeners[event] as Set<Listener<K>> | undefined;
    for (const listener of [...(listeners ?? [])]) {
      try {
        listener(value);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
