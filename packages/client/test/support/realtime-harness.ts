import { WebSocket } from 'ws';
import type { RealtimeClient, RealtimeEventName, RealtimeEvents, RealtimeState } from '../../src/index.ts';

/**
 * Test support for the realtime client: timers the test fires by hand (reconnect delays, heartbeats and
 * refreshes become exact, and nothing sleeps), the `ws` WebSocket with an Origin and a record of every socket
 * the client made, and waits for the client's events.
 */

interface Timer {
  at: number;
  ms: number;
  callback: () => void;
}

export class ManualTimers {
  #now = 0;
  #nextId = 1;
  readonly #pending = new Map<number, Timer>();
  readonly clock = { now: () => this.#now };

  readonly setTimeout = (callback: () => void, ms: number): number => {
    const id = this.#nextId++;
    this.#pending.set(id, { at: this.#now + ms, ms, callback });
    return id;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.#pending.delete(handle as number);
  };

  /** The delays of the timers waiting, soonest first. */
  get pending(): number[] {
    return [...this.#pending.values()].sort((a, b) => a.at - b.at).map((timer) => timer.ms);
  }

  /** Moves time on by `ms`, running every timer that falls due, in order (also those set while running). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = [...this.#pending.entries()]
        .filter(([, timer]) => timer.at <= until)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.#pending.delete(id);
      this.#now = timer.at;
      timer.callback();
    }
    this.#now = until;
  }
}

/** `ws`'s WebSocket sending `origin` (as a browser would), keeping every socket made, newest last. */
export function recordingWebSocket(origin?: string): {
  WebSocket: new (url: string, protocols: string[]) => WebSocket;
  sockets: WebSocket[];
} {
  const sockets: WebSocket[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, origin === undefined ? {} : { origin });
      sockets.push(this);
    }
  }
  return { WebSocket: RecordingWebSocket, sockets };
}

/** Resolves with the client's next `name` event matching `test`; fails after `timeoutMs` of real time. */
export function nextEvent<K extends RealtimeEventName>(
  client: RealtimeClient,
  name: K,
  test: (event: RealtimeEvents[K]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<RealtimeEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${timeoutMs} ms (state ${client.state})`));
    }, timeoutMs);
    const off = client.on(name, (event) => {
      if (!test(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** Resolves once the client is in `state` (at once if it already is). */
export async function reach(client: RealtimeClient, state: RealtimeState): Promise<void> {
  if (client.state === state) return;
  await nextEvent(client, 'state', (change) => change.state === state);
}

/** Every event of the client, in order, as `[name, event]`. */
export function recordEvents(client: RealtimeClient): Array<[RealtimeEventName, unknown]> {
  const seen: Array<[RealtimeEventName, unknown]> = [];
  const names: RealtimeEventName[] = ['state', 'publication', 'join', 'leave', 'gap', 'revoked', 'error'];
  for (const name of names) client.on(name, (event) => seen.push([name, event]));
  return seen;
}
