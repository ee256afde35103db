import type { WebSocket } from 'ws';
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
