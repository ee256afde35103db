import type { RawData, WebSocket } from 'ws';
import type { Principal } from '../core/request-state.ts';
import type { ConnectionEntry } from './ports.ts';

/** How the connection proved who it is: the credential it came with decides what revokes it. */
export type ConnectVia = 'session' | 'bearer' | 'ticket';

/**
 * One open WebSocket and what the gateway knows of it. Kept small: a node holds tens of thousands of these, so
 * no timers, no closures per connection, no reference to the upgrade request.
 */
export class RealtimeConnection {
  readonly entry: ConnectionEntry;
  /** Channels this connection is subscribed to. */
  readonly channels = new Set<string>();
  /** Channels being recovered: live publications wait here until the missed ones are sent. */
  recovering: Map<string, Array<{ offset: number; frame: string }>> | undefined;
  /** Answered the last protocol ping (the sweep terminates it otherwise). */
  alive = true;
  /** Told the client its credential is about to expire. */
  warned = false;
  closing = false;
  /** Inbound messages still allowed in the current burst, and when it was last refilled (ms). */
  tokens: number;
  refilledAt: number;

  constructor(
    id: string,
    readonly socket: WebSocket,
    public principal: Principal,
    readonly via: ConnectVia,
    readonly clientIp: string,
    readonly openedAt: number,
    burst: number,
  ) {
    this.entry = {
      id,
      userId: principal.userId ?? principal.id,
      tenantId: principal.tenantId ?? null,
    };
    this.tokens = burst;
    this.refilledAt = openedAt;
  }

  get id(): string {
    return this.entry.id;
  }

  get userId(): string {
    return this.entry.userId;
  }

  /** When the credential expires (ms), if it does. */
  get expiresAt(): number | undefined {
    return this.principal.expiresAt;
  }
}

/** Where a socket keeps its connection, for the listeners every socket shares. */
const CONNECTION = Symbol('lift.realtime.connection');

export interface SocketHandlers {
  pong(connection: RealtimeConnection): void;
  message(connection: RealtimeConnection, data: RawData, isBinary: boolean): void;
  error(connection: RealtimeConnection, error: Error & { code?: string }): void;
  close(connection: RealtimeConnection): void;
}

/** The connection a socket was opened for (`listenTo` sets it). */
function connectionOf(socket: WebSocket): RealtimeConnection {
  return (socket as WebSocket & { [CONNECTION]: RealtimeConnection })[CONNECTION];
}

/** One listener per event for every socket: `this` is the socket the event is on, which names its connection. */
export function listenersOf(handlers: SocketHandlers) {
  return {
    pong(this: WebSocket) {
      handlers.pong(connectionOf(this));
    },
    message(this: WebSocket, data: RawData, isBinary: boolean) {
      handlers.message(connectionOf(this), data, isBinary);
    },
    error(this: WebSocket, error: Error & { code?: string }) {
      handlers.error(connectionOf(this), error);
    },
    close(this: WebSocket) {
      handlers.close(connectionOf(this));
    },
  };
}

/** Hands the socket of `connection` to the shared listeners (no closures per connection). */
export function listenTo(connection: RealtimeConnection, listeners: ReturnType<typeof listenersOf>): void {
  const socket = connection.socket as WebSocket & { [CONNECTION]: RealtimeConnection };
  socket[CONNECTION] = connection;
  socket.on('pong', listeners.pong);
  socket.on('message', listeners.message);
  socket.on('error', listeners.error);
  socket.on('close', listeners.close);
}
