import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Clock } from '../core/clock.ts';
import type { EventPublisher, LiftEvent } from '../core/events.ts';
import type { Principal } from '../core/request-state.ts';
import type { Broker } from '../storage/index.ts';
import { ChannelRequests } from './channel-requests.ts';
import type { ChannelPolicies } from './channels.ts';
import type { RealtimeSettings } from './config.ts';
import { type ConnectVia, listenersOf, listenTo, RealtimeConnection } from './connection.ts';
import { ChannelHub } from './hub.ts';
import type { RealtimeMetrics } from './metrics.ts';
import type {
  ChannelHistory,
  ChannelPresence,
  ConnectionFilter,
  ConnectionRegistry,
  StreamPosition,
} from './ports.ts';
import { CLOSE, type ClientMessage, PROTOCOL, ProtocolError, parseClientMessage } from './protocol.ts';
import { revocationsOf } from './revocations.ts';
import { sweep } from './sweep.ts';

/** Who `disconnect()` ends, on every node. */
export type DisconnectFilter = { userId: string } | { sessionId: string } | { connectionId: string };

/** Checks a credential sent in-band (`refresh`); resolves to the new principal or null when refused. */
export type CredentialCheck = (
  credential: { token: string } | { ticket: string },
  clientIp: string,
) => Promise<Principal | null>;

export interface GatewayOptions {
  settings: RealtimeSettings;
  registry: ConnectionRegistry;
  history: ChannelHistory;
  presence: ChannelPresence;
  broker: Broker;
  events: EventPublisher;
  policies: ChannelPolicies;
  metrics: RealtimeMetrics;
  clock: Clock;
  log: Logger;
  refreshCredential: CredentialCheck;
}

const CONTROL = 'lift:rt:control';

/** Why a connection was closed, as `websocket_disconnects_total{reason}` counts it (a closed list). */
export type CloseReason =
  | 'client'
  | 'credential_expired'
  | 'revoked'
  | 'disconnected'
  | 'slow_consumer'
  | 'heartbeat'
  | 'too_many_messages'
  | 'bad_message'
  | 'shutdown';

/**
 * The WebSocket side of the realtime module on one node: accepts upgrades the `/ws` route admitted, runs the
 * `lift.v1` protocol, keeps one sweep timer for heartbeats and credential expiry of every socket, and closes
 * connections whose session, token or user is revoked anywhere in the cluster (it listens to every node's
 * events through the broker).
 */
export class Gateway {
  readonly hub: ChannelHub;
  readonly #requests: ChannelRequests;
  readonly #wss: WebSocketServer;
  readonly #connections = new Map<string, RealtimeConnection>();
  readonly #byUser = new Map<string, Set<RealtimeConnection>>();
  readonly #o: GatewayOptions;
  /** Revoked sessions, credentials and users (`s:`, `c:`, `u:` + id) → until when to remember (ms). */
  readonly #revoked = new Map<string, number>();
  #sweeper: NodeJS.Timeout | undefined;
  #unsubscribe: Array<() => Promise<void>> = [];
  /** Listeners of every connection's socket; `this` is the socket, its connection under `CONNECTION`. */
  readonly #listeners = listenersOf({
    pong: (connection) => {
      connection.alive = true;
    },
    message: (connection, data, isBinary) => this.#onMessage(connection, data, isBinary),
    error: (_connection, error) => {
      this.#o.metrics.errors.add({
        error_type: error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too_big' : 'socket',
      });
    },
    close: (connection) => this.#closed(connection),
  });

  constructor(options: GatewayOptions) {
    this.#o = options;
    const { settings } = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: settings.maxPayloadBytes,
      clientTracking: false,
      // `lift.v1` is the protocol; a `lift.bearer.<token>` entry carried the credential and is not echoed.
      handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
      // A smaller window and hash table than zlib's defaults: a deflate stream of 256 KB per connection becomes
      // 32 KB, with the same size on the wire for messages of realtime's sizes (docs/realtime.md, Compression).
      perMessageDeflate: settings.compression.enabled
        ? {
            threshold: settings.compression.thresholdBytes,
            serverNoContextTakeover: true,
            serverMaxWindowBits: settings.compression.windowBits,
            zlibDeflateOptions: { memLevel: settings.compression.memLevel },
          }
        : false,
    });
    this.hub = new ChannelHub({
      broker: options.broker,
      history: options.history,
      log: options.log,
      delivery: { send: (connection, frame, type) => this.#send(connection, frame, type) },
    });
    this.#requests = new ChannelRequests(options, {
      hub: this.hub,
      send: (connection, frame, type) => this.#send(connection, frame, type),
      publish: (channel, data) => this.publish(channel, data),
      historyOf: (channel) => this.#historyOf(channel),
      expiresIn: (connection) => this.#expiresIn(connection),
    });
  }

  get size(): number {
    return this.#connections.size;
  }

  async start(): Promise<void> {
    this.#unsubscribe.push(await this.#o.events.subscribe((event) => this.#onEvent(event)));
    this.#unsubscribe.push(
      await this.#o.broker.subscribe(CONTROL, (message) => {
        this.#disconnectHere(JSON.parse(message) as DisconnectFilter);
      }),
    );
    this.#sweeper = setInterval(() => this.#sweep(), this.#o.settings.pingIntervalMs).unref();
  }

  /**
   * Completes an admitted upgrade: the `/ws` route checked everything and reserved the connection's slot in the
   * registry under `connectionId`.
   */
  accept(
    upgrade: { request: IncomingMessage; socket: Duplex; head: Buffer },
    admitted: { connectionId: string; principal: Principal; via: ConnectVia; clientIp: string },
  ): void {
    const now = this.#o.clock.now();
    // A handshake that dies before it completes gives its reserved slot back at once.
    const entry = {
      id: admitted.connectionId,
      userId: admitted.principal.userId ?? admitted.principal.id,
      tenantId: admitted.principal.tenantId ?? null,
    };
    const abandoned = () => {
      this.#o.registry.remove(entry).catch(() => {});
    };
    upgrade.socket.once('close', abandoned);
    this.#wss.handleUpgrade(upgrade.request, upgrade.socket, upgrade.head, (socket) => {
      upgrade.socket.off('close', abandoned);
      const connection = new RealtimeConnection(
        admitted.connectionId,
        socket,
        admitted.principal,
        admitted.via,
        admitted.clientIp,
        now,
        this.#o.settings.inbound.burst,
      );
      this.#open(connection);
    });
  }

  /**
   * Opens a connection on a socket that is not a WebSocket (an SSE stream, `sse.ts`) and subscribes it to
   * `channels`, recovering from `positions` where given; refusals arrive on the stream as `error` frames.
   */
  attach(
    socket: WebSocket,
    admitted: { connectionId: string; principal: Principal; via: ConnectVia; clientIp: string },
    channels: ReadonlyArray<{ channel: string; since?: StreamPosition }>,
  ): void {
    const connection = new RealtimeConnection(
      admitted.connectionId,
      socket,
      admitted.principal,
      admitted.via,
      admitted.clientIp,
      this.#o.clock.now(),
      this.#o.settings.inbound.burst,
    );
    this.#open(connection);
    channels.forEach(({ channel, since }, index) => {
      const message = { type: 'subscribe' as const, id: index + 1, channel, ...(since ? { since } : {}) };
      this.#requests.handle(connection, message).catch((error: unknown) => {
        this.#o.log.warn({ err: error, channel }, 'realtime: an SSE subscription failed');
      });
    });
  }

  /** Ends every connection (server shutdown): 1001, the client reconnects elsewhere. */
  async closeAll(): Promise<void> {
    const closed = [...this.#connections.values()].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.socket.once('close', () => resolve());
          this.#close(connection, CLOSE.goingAway, 'server shutting down', 'shutdown');
          // A peer that never answers the close frame is cut after a second.
          setTimeout(() => {
            connection.socket.terminate();
            resolve();
          }, 1_000).unref();
        }),
    );
    await Promise.all(closed);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.closeAll();
    for (const unsubscribe of this.#unsubscribe.splice(0)) await unsubscribe().catch(() => {});
    await this.hub.close();
    this.#wss.close();
  }

  /** Publishes from the server: every subscriber of `channel` on every node gets it. */
  async publish(channel: string, data: unknown): Promise<StreamPosition> {
    const json = JSON.stringify(data ?? null);
    const position = await this.hub.publish(channel, json, this.#historyOf(channel));
    this.#o.metrics.publications.inc();
    return position;
  }

  /** Ends matching connections on every node (4102, the client should not reconnect on its own). */
  async disconnect(filter: DisconnectFilter): Promise<void> {
    await this.#o.broker.publish(CONTROL, JSON.stringify(filter));
  }

  count(filter: ConnectionFilter): Promise<number> {
    return this.#o.registry.count(filter);
  }

  /** Whether a principal's session, credential or user was revoked recently (a ticket may outlive it). */
  wasRevoked(principal: Principal): boolean {
    const now = this.#o.clock.now();
    const keys = [`u:${principal.userId ?? principal.id}`];
    if (principal.sessionId) keys.push(`s:${principal.sessionId}`);
    if (principal.credentialId) keys.push(`c:${principal.credentialId}`);
    return keys.some((key) => (this.#revoked.get(key) ?? 0) > now);
  }

  #open(connection: RealtimeConnection): void {
    const { settings, metrics } = this.#o;
    this.#connections.set(connection.id, connection);
    let mine = this.#byUser.get(connection.userId);
    if (mine === undefined) {
      mine = new Set();
      this.#byUser.set(connection.userId, mine);
    }
    mine.add(connection);
    metrics.active.inc();
    listenTo(connection, this.#listeners);
    const expiresIn = this.#expiresIn(connection);
    this.#send(
      connection,
      JSON.stringify({
        type: 'connected',
        protocol: PROTOCOL,
        connection_id: connection.id,
        user_id: connection.userId,
        ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
        ping_interval: Math.round(settings.pingIntervalMs / 1000),
      }),
      'connected',
    );
  }

  #closed(connection: RealtimeConnection): void {
    if (!this.#connections.delete(connection.id)) return;
    const mine = this.#byUser.get(connection.userId);
    mine?.delete(connection);
    if (mine?.size === 0) this.#byUser.delete(connection.userId);
    for (const channel of connection.channels) {
      this.hub.unlisten(channel, connection);
      this.#requests.leavePresence(connection, channel);
    }
    const { metrics, registry, log } = this.#o;
    metrics.active.dec();
    metrics.duration.observe((this.#o.clock.now() - connection.openedAt) / 1000);
    registry.remove(connection.entry).catch((error: unknown) => {
      // The entry expires with its heartbeat instead; the count is exact again within registryTtlMs.
      log.warn({ err: error }, 'realtime: could not remove a closed connection from the registry');
    });
  }

  #close(connection: RealtimeConnection, code: number, reason: string, counted: CloseReason): void {
    if (connection.closing) return;
    connection.closing = true;
    this.#o.metrics.disconnects.add({ reason: counted });
    connection.socket.close(code, reason);
  }

  /** Sends one frame, unless the connection already has `maxQueuedBytes` waiting: then it is closed (1013). */
  #send(connection: RealtimeConnection, frame: string, type: string): boolean {
    const socket = connection.socket;
    if (socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount > this.#o.settings.maxQueuedBytes) {
      this.#close(connection, CLOSE.tryAgainLater, 'too slow', 'slow_consumer');
      // Its queue is dropped at once: a slow consumer must not hold memory until the close handshake ends.
      setImmediate(() => socket.terminate());
      return false;
    }
    socket.send(frame);
    this.#o.metrics.sent(type);
    return true;
  }

  #error(connection: RealtimeConnection, id: number, code: string, message: string): void {
    this.#send(connection, JSON.stringify({ type: 'error', id, code, message }), 'error');
  }

  #onMessage(connection: RealtimeConnection, data: RawData, isBinary: boolean): void {
    const { settings, metrics, clock } = this.#o;
    metrics.received.inc();
    // Token bucket per connection: `burst` at once, `perSecond` sustained.
    const now = clock.now();
    const refill = ((now - connection.refilledAt) / 1000) * settings.inbound.perSecond;
    connection.tokens = Math.min(settings.inbound.burst, connection.tokens + refill);
    connection.refilledAt = now;
    if (connection.tokens < 1) {
      this.#close(connection, CLOSE.tooManyMessages, 'too many messages', 'too_many_messages');
      return;
    }
    connection.tokens -= 1;
    let message: ClientMessage;
    try {
      if (isBinary) throw new ProtocolError('binary frames are not part of lift.v1');
      message = parseClientMessage(data.toString());
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.message : 'bad message';
      metrics.errors.add({ error_type: 'bad_message' });
      this.#close(connection, CLOSE.badMessage, reason.slice(0, 120), 'bad_message');
      return;
    }
    this.#requests.handle(connection, message).catch((error: unknown) => {
      this.#o.log.warn({ err: error, type: message.type }, 'realtime: a message could not be handled');
      this.#error(connection, message.id, 'unavailable', 'Try again shortly.');
    });
  }

  #historyOf(channel: string): RealtimeSettings['history'] | undefined {
    const history = this.#o.settings.history;
    return history.size > 0 && this.#o.policies.keepsHistory(channel) ? history : undefined;
  }

  #expiresIn(connection: RealtimeConnection): number | undefined {
    const at = connection.expiresAt;
    return at === undefined ? undefined : Math.max(0, Math.floor((at - this.#o.clock.now()) / 1000));
  }

  /** The one timer: pings, missed pongs, credential expiry, and the registry and presence heartbeats. */
  #sweep(): void {
    const now = this.#o.clock.now();
    sweep(this.#connections.values(), now, this.#o, {
      close: (connection, code, reason, counted) => this.#close(connection, code, reason, counted),
      send: (connection, frame, type) => this.#send(connection, frame, type),
    });
    for (const [key, until] of this.#revoked) if (until <= now) this.#revoked.delete(key);
  }

  /** Revocations from any node: close what they revoke, and remember them for tickets issued before. */
  #onEvent(event: LiftEvent): void {
    for (const revocation of revocationsOf(event)) {
      this.#revoked.set(revocation.key, this.#o.clock.now() + this.#o.settings.ticketTtlMs + 5_000);
      const candidates =
        revocation.userId !== undefined
          ? (this.#byUser.get(revocation.userId) ?? [])
          : this.#connections.values();
      for (const connection of [...candidates]) {
        if (revocation.matches(connection)) this.#close(connection, CLOSE.revoked, 'revoked', 'revoked');
      }
    }
  }

  #disconnectHere(filter: DisconnectFilter): void {
    let matches: (connection: RealtimeConnection) => boolean;
    if ('connectionId' in filter) matches = (c) => c.id === filter.connectionId;
    else if ('sessionId' in filter) matches = (c) => c.principal.sessionId === filter.sessionId;
    else matches = (c) => c.userId === filter.userId;
    for (const connection of [...this.#connections.values()]) {
      if (matches(connection)) this.#close(connection, CLOSE.disconnected, 'disconnected', 'disconnected');
    }
  }
}
