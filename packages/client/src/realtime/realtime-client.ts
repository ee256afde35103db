import {
  type Publication,
  RealtimeEmitter,
  type RealtimeEventName,
  type RealtimeEvents,
  type RealtimeState,
  type StateChange,
} from './events.ts';
import {
  type RealtimeClientOptions,
  type RealtimeSettings,
  realtimeSettings,
  reconnectDelay,
} from './options.ts';
import { OutboundQueue, type QueuedPublication } from './outbound-queue.ts';
import { PendingRequests, type ReplyBody } from './pending-requests.ts';
import {
  BEARER_PROTOCOL_PREFIX,
  CLOSE,
  type ClientRequest,
  closeOutcome,
  PROTOCOL,
  parseServerMessage,
  type ServerMessage,
  type StreamPosition,
} from './protocol.ts';
import { RealtimeError } from './realtime-error.ts';
import type { RealtimeSocket } from './socket.ts';
import { ChannelSubscription, type Subscription } from './subscription.ts';

/** One member of a channel's presence. */
export interface PresenceMember {
  userId: string;
  /** The user's connections in the channel. */
  connections: number;
  info?: unknown;
}

/** Refresh this long before the credential expires, at most half its remaining life. */
const REFRESH_LEAD_MS = 30_000;

/**
 * A `lift.v1` connection that stays up: it reconnects with full-jitter backoff, resubscribes from the last
 * position it saw so missed publications are replayed, queues publications while offline, detects a half-open
 * socket with its own pings, and refreshes its credential in-band before it expires.
 *
 * One socket at a time. Every handler checks that its socket is still the current one, so a late event of a
 * socket the client gave up on changes nothing.
 */
export class RealtimeClient {
  readonly #s: RealtimeSettings;
  readonly #events = new RealtimeEmitter();
  readonly #requests = new PendingRequests();
  readonly #queue: OutboundQueue;
  readonly #subscriptions = new Map<string, ChannelSubscription>();
  #state: RealtimeState = 'connecting';
  #socket: RealtimeSocket | undefined;
  /** Bumped by every attempt and by `close()`: a credential that arrives for an older attempt is dropped. */
  #attemptId = 0;
  /** Reconnect attempts since the last connection that counted (see `#lost`). */
  #attempt = 0;
  #connectionId: string | undefined;
  #userId: string | undefined;
  #latencyMs: number | undefined;
  #missedPongs = 0;
  #refreshing = false;
  #timers: { reconnect?: unknown; connect?: unknown; heartbeat?: unknown; refresh?: unknown } = {};

  constructor(options: RealtimeClientOptions) {
    this.#s = realtimeSettings(options);
    this.#queue = new OutboundQueue(this.#s.maxQueued);
    void this.#open();
  }

  get state(): RealtimeState {
    return this.#state;
  }

  /** The server's id of the current connection (from `connected`). */
  get connectionId(): string | undefined {
    return this.#connectionId;
  }

  /** The user the server says is connected. */
  get userId(): string | undefined {
    return this.#userId;
  }

  /** The last measured round trip of a `ping` (ms). */
  get latencyMs(): number | undefined {
    return this.#latencyMs;
  }

  /** Publications waiting for a connection. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends RealtimeEventName>(event: K, listener: (event: RealtimeEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Subscribes to `channel` now and after every reconnect (from the last position seen, so the server replays
   * what was missed; a `gap` event when it cannot). One subscription per channel: a second throws
   * `already_subscribed` until the first is unsubscribed.
   */
  subscribe(channel: string, onPublication: (publication: Publication) => void): Subscription {
    if (this.#state === 'closed')
      throw new RealtimeError('closed', 'The realtime client is closed.', { channel });
    if (this.#subscriptions.has(channel)) {
      throw new RealtimeError('already_subscribed', `Already subscribed to ${channel}.`, { channel });
    }
    const subscription = new ChannelSubscription(channel, onPublication, (s) => this.#unsubscribe(s));
    this.#subscriptions.set(channel, subscription);
    if (this.#state === 'connected') this.#sendSubscribe(subscription);
    return subscription;
  }

  /**
   * Publishes `data` on `channel`; resolves with its position once the server accepted it. While not
   * connected it waits in a queue of at most `maxQueued` (beyond: `queue_full`). A publication sent on a
   * connection that drops before the reply rejects with `connection_lost` and is not resent.
   */
  publish(channel: string, data: unknown): Promise<StreamPosition> {
    return new Promise((resolve, reject) => {
      const item = { channel, data, resolve, reject };
      if (this.#state === 'closed') {
        reject(new RealtimeError('closed', 'The realtime client is closed.', { channel }));
      } else if (this.#state === 'connected') {
        this.#sendPublish(item);
      } else if (!this.#queue.push(item)) {
        reject(
          new RealtimeError(
            'queue_full',
            `${this.#s.maxQueued} publications already wait for a connection.`,
            {
              channel,
            },
          ),
        );
      }
    });
  }

  /** Who is in `channel` now. */
  async presence(channel: string): Promise<PresenceMember[]> {
    const reply = await this.#request({ type: 'presence', channel }, channel);
    const members = Array.isArray(reply.members) ? (reply.members as Array<Record<string, unknown>>) : [];
    return members.map((member) => ({
      userId: String(member.user_id),
      connections: Number(member.connections),
      ...(member.info === undefined ? {} : { info: member.info }),
    }));
  }

  /** One round trip to the server (ms); also kept as `latencyMs`. */
  async ping(): Promise<number> {
    const sentAt = this.#s.clock.now();
    await this.#request({ type: 'ping' });
    this.#latencyMs = this.#s.clock.now() - sentAt;
    return this.#latencyMs;
  }

  /** Ends the client for good: no reconnect; waiting publications and requests reject with `closed`. */
  close(): void {
    if (this.#state === 'closed') return;
    const socket = this.#socket;
    this.#finish(CLOSE.normal, 'client closed');
    socket?.close(CLOSE.normal, 'client closed');
  }

  async #open(): Promise<void> {
    const attemptId = ++this.#attemptId;
    const { credential, url } = this.#s;
    let target = url;
    const protocols = [PROTOCOL];
    try {
      if (credential.kind === 'token') protocols.push(BEARER_PROTOCOL_PREFIX + (await credential.getToken()));
      if (credential.kind === 'ticket') target = withTicket(url, await credential.getTicket());
    } catch (error) {
      if (attemptId !== this.#attemptId) return;
      this.#emitError(
        new RealtimeError('credential_failed', 'Could not get a credential.', { cause: error }),
      );
      this.#scheduleReconnect(CLOSE.abnormal, 'no credential');
      return;
    }
    if (attemptId !== this.#attemptId) return;
    let socket: RealtimeSocket;
    try {
      socket = new this.#s.WebSocket(target, protocols);
    } catch (error) {
      this.#emitError(
        new RealtimeError('socket_failed', 'Could not create the WebSocket.', { cause: error }),
      );
      this.#scheduleReconnect(CLOSE.abnormal, 'no socket');
      return;
    }
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket) this.#onFrame(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket === socket) this.#lost(event.code, event.reason);
    });
    // A failed socket is always followed by its close event, which decides what happens next.
    socket.addEventListener('error', () => {});
    this.#timers.connect = this.#s.timers.set(() => {
      if (this.#socket !== socket) return;
      this.#abandon(socket, 'connect timeout');
    }, this.#s.connectTimeoutMs);
  }

  #onFrame(data: unknown): void {
    const message = parseServerMessage(data);
    if (message === undefined) return;
    this.#handle(message);
  }

  #handle(message: ServerMessage): void {
    switch (message.type) {
      case 'connected':
        this.#connected(message);
        return;
      case 'reply':
        this.#requests.resolve(message.id, message.body);
        return;
      case 'pong':
        this.#requests.resolve(message.id, {});
        return;
      case 'error':
        this.#requests.reject(message.id, message.code, message.message);
        return;
      case 'publication': {
        const { channel, offset, epoch, data } = message;
        const publication = { channel, offset, epoch, data };
        if (this.#subscriptions.get(channel)?.deliver(publication))
          this.#events.emit('publication', publication);
        return;
      }
      case 'join':
      case 'leave':
        if (this.#subscriptions.has(message.channel)) {
          this.#events.emit(message.type, { channel: message.channel, userId: message.user_id });
        }
        return;
      case 'expiring':
        void this.#refreshCredential();
        return;
    }
  }

  #connected(message: Extract<ServerMessage, { type: 'connected' }>): void {
    this.#s.timers.clear(this.#timers.connect);
    this.#connectionId = message.connection_id;
    this.#userId = message.user_id;
    this.#setState({ state: 'connected' });
    this.#missedPongs = 0;
    this.#scheduleHeartbeat();
    this.#scheduleRefresh(message.expires_in);
    for (const subscription of this.#subscriptions.values()) this.#sendSubscribe(subscription);
    for (const item of this.#queue.drain()) this.#sendPublish(item);
  }

  /** The socket closed (or the client gave up on it): decide between reconnecting and ending. */
  #lost(code: number, reason: string): void {
    const wasConnected = this.#state === 'connected';
    this.#socket = undefined;
    this.#stopConnectionTimers();
    this.#requests.rejectAll('connection_lost', 'The connection ended before the server answered.');
    const outcome = closeOutcome(code);
    if (outcome === 'revoked') {
      this.#finish(code, reason);
      this.#events.emit('revoked', { reason });
      return;
    }
    if (outcome === 'stop') {
      this.#finish(code, reason);
      this.#emitError(
        new RealtimeError('disconnected', `The server ended the connection (${code} ${reason}).`, {
          closeCode: code,
        }),
      );
      return;
    }
    // A connection that worked resets the backoff, unless the server closed it to slow the client down.
    if (wasConnected && outcome === 'reconnect') this.#attempt = 0;
    this.#scheduleReconnect(code, reason);
  }

  /** Gives up on a socket that does not answer: it may never send its close event (half-open). */
  #abandon(socket: RealtimeSocket, reason: string): void {
    this.#socket = undefined;
    try {
      socket.close(CLOSE.normal, reason);
    } catch {
      // Already closing; nothing more to do with it.
    }
    this.#lost(CLOSE.abnormal, reason);
  }

  #scheduleReconnect(closeCode: number, closeReason: string): void {
    const delayMs = reconnectDelay(this.#attempt, this.#s.reconnect, this.#s.random);
    this.#attempt += 1;
    this.#setState({ state: 'reconnecting', closeCode, closeReason, delayMs });
    this.#timers.reconnect = this.#s.timers.set(() => {
      this.#timers.reconnect = undefined;
      void this.#open();
    }, delayMs);
  }

  /** Closed for good: by `close()`, a revocation, or a server close that forbids reconnecting. */
  #finish(closeCode: number, closeReason: string): void {
    this.#attemptId += 1;
    this.#socket = undefined;
    this.#stopConnectionTimers();
    this.#s.timers.clear(this.#timers.reconnect);
    const message = 'The realtime client is closed.';
    this.#requests.rejectAll('closed', message);
    this.#queue.rejectAll(message);
    for (const subscription of this.#subscriptions.values()) {
      subscription.refuse(new RealtimeError('closed', message, { channel: subscription.channel }));
    }
    this.#subscriptions.clear();
    this.#setState({ state: 'closed', closeCode, closeReason });
  }

  #stopConnectionTimers(): void {
    const { timers } = this.#s;
    timers.clear(this.#timers.connect);
    timers.clear(this.#timers.heartbeat);
    timers.clear(this.#timers.refresh);
    this.#refreshing = false;
  }

  #setState(change: Omit<StateChange, 'previous'>): void {
    const previous = this.#state;
    this.#state = change.state;
    this.#events.emit('state', { ...change, previous });
  }

  #emitError(error: RealtimeError): void {
    this.#events.emit('error', error);
  }

  /** Sends a request on the current connection; rejects with `not_connected` when there is none. */
  #request(request: ClientRequest, channel?: string): Promise<ReplyBody> {
    const socket = this.#socket;
    if (this.#state !== 'connected' || socket === undefined) {
      const code = this.#state === 'closed' ? 'closed' : 'not_connected';
      return Promise.reject(new RealtimeError(code, `The realtime client is ${this.#state}.`, { channel }));
    }
    const { id, answer } = this.#requests.open(channel);
    socket.send(JSON.stringify({ ...request, id }));
    return answer;
  }

  #sendSubscribe(subscription: ChannelSubscription): void {
    const { channel, resumeFrom } = subscription;
    const request: ClientRequest =
      resumeFrom === undefined
        ? { type: 'subscribe', channel }
        : { type: 'subscribe', channel, since: resumeFrom };
    this.#request(request, channel).then(
      (reply) => {
        if (this.#subscriptions.get(channel) !== subscription) return;
        if (subscription.confirm(reply))
          this.#events.emit('gap', { channel, position: subscription.position });
      },
      (error: RealtimeError) => {
        // A lost connection resubscribes on the next one; a closed client already ended the subscription.
        if (error.code === 'connection_lost' || error.code === 'closed') return;
        if (this.#subscriptions.get(channel) !== subscription) return;
        this.#subscriptions.delete(channel);
        subscription.refuse(error);
        this.#emitError(error);
      },
    );
  }

  #sendPublish(item: QueuedPublication): void {
    this.#request({ type: 'publish', channel: item.channel, data: item.data }, item.channel).then(
      (reply) => item.resolve({ offset: Number(reply.offset ?? 0), epoch: String(reply.epoch ?? '') }),
      item.reject,
    );
  }

  async #unsubscribe(subscription: ChannelSubscription): Promise<void> {
    const { channel } = subscription;
    if (this.#subscriptions.get(channel) !== subscription) return;
    this.#subscriptions.delete(channel);
    if (this.#state !== 'connected') return;
    // `not_subscribed` (the subscribe was still in flight and refused) or a lost connection: nothing to undo.
    await this.#request({ type: 'unsubscribe', channel }, channel).catch(() => {});
  }

  /** A `ping` every interval; `misses` pongs missing in a row mean a half-open socket. */
  #scheduleHeartbeat(): void {
    const { heartbeat, timers, clock } = this.#s;
    this.#timers.heartbeat = timers.set(() => {
      const socket = this.#socket;
      if (socket === undefined || this.#state !== 'connected') return;
      this.#scheduleHeartbeat();
      const sentAt = clock.now();
      const { id, answer } = this.#requests.open();
      socket.send(JSON.stringify({ type: 'ping', id }));
      const timeout = timers.set(() => {
        this.#requests.forget(id);
        this.#missedPongs += 1;
        if (this.#missedPongs >= heartbeat.misses && this.#socket === socket)
          this.#abandon(socket, 'no pong');
      }, heartbeat.timeoutMs);
      answer.then(
        () => {
          timers.clear(timeout);
          this.#missedPongs = 0;
          this.#latencyMs = clock.now() - sentAt;
        },
        () => timers.clear(timeout),
      );
    }, heartbeat.intervalMs);
  }

  /** Refreshes before `expiresInS` runs out (the server's `expiring` push may ask sooner). */
  #scheduleRefresh(expiresInS: number | undefined): void {
    this.#s.timers.clear(this.#timers.refresh);
    if (expiresInS === undefined || this.#s.credential.kind === 'cookie') return;
    const remainingMs = expiresInS * 1000;
    const delay = Math.max(0, remainingMs - Math.min(REFRESH_LEAD_MS, remainingMs / 2));
    this.#timers.refresh = this.#s.timers.set(() => void this.#refreshCredential(), delay);
  }

  /**
   * Sends a fresh token or ticket in-band. A cookie connection cannot: when its session expires the server
   * closes with 4001 and the reconnect takes the browser's current cookie. A refused refresh is an `error`
   * event; the server's 4001 then leads to a reconnect with a new credential.
   */
  async #refreshCredential(): Promise<void> {
    const { credential } = this.#s;
    if (credential.kind === 'cookie' || this.#refreshing) return;
    const socket = this.#socket;
    this.#refreshing = true;
    try {
      const request: ClientRequest =
        credential.kind === 'token'
          ? { type: 'refresh', token: await credential.getToken() }
          : { type: 'refresh', ticket: await credential.getTicket() };
      if (this.#socket !== socket) return;
      const reply = await this.#request(request);
      this.#scheduleRefresh(typeof reply.expires_in === 'number' ? reply.expires_in : undefined);
    } catch (error) {
      if (this.#socket !== socket) return;
      this.#emitError(
        error instanceof RealtimeError
          ? error
          : new RealtimeError('credential_failed', 'Could not get a credential.', { cause: error }),
      );
    } finally {
      if (this.#socket === socket) this.#refreshing = false;
    }
  }
}

function withTicket(url: string, ticket: string): string {
  const target = new URL(url);
  target.searchParams.set('ticket', ticket);
  return target.toString();
}

/** Creates a client and starts connecting. */
export function createRealtimeClient(options: RealtimeClientOptions): RealtimeClient {
  return new RealtimeClient(options);
}
