import type { RealtimeConnection } from './connection.ts';
import type { CloseReason, GatewayOptions } from './gateway.ts';
import { CLOSE } from './protocol.ts';

/**
 * One pass of the gateway's only timer over every open connection: terminate a socket that did not answer the
 * previous ping and ping the others; close with 4001 a connection whose credential expired more than
 * `expiryGraceMs` ago, warn (`expiring`) one whose credential expires within two intervals; then refresh the
 * registry and presence entries of the live ones in one call each (a dead node stops doing this, and its
 * entries expire).
 */
export function sweep(
  connections: Iterable<RealtimeConnection>,
  now: number,
  options: Pick<GatewayOptions, 'settings' | 'registry' | 'presence' | 'log' | 'metrics'>,
  act: {
    close(connection: RealtimeConnection, code: number, reason: string, counted: CloseReason): void;
    send(connection: RealtimeConnection, frame: string, type: string): boolean;
  },
): void {
  const { settings, registry, presence, log, metrics } = options;
  const entries = [];
  const memberships = [];
  for (const connection of connections) {
    if (connection.closing) continue;
    if (!connection.alive) {
      metrics.disconnects.add({ reason: 'heartbeat' });
      connection.closing = true;
      connection.socket.terminate();
      continue;
    }
    connection.alive = false;
    connection.socket.ping();
    const expiresAt = connection.expiresAt;
    if (expiresAt !== undefined) {
      if (now >= expiresAt + settings.expiryGraceMs) {
        act.close(connection, CLOSE.credentialExpired, 'credential expired', 'credential_expired');
        continue;
      }
      if (!connection.warned && expiresAt - now <= 2 * settings.pingIntervalMs) {
        connection.warned = true;
        const expiresIn = Math.max(0, Math.floor((expiresAt - now) / 1000));
        act.send(connection, JSON.stringify({ type: 'expiring', expires_in: expiresIn }), 'expiring');
      }
    }
    entries.push(connection.entry);
    for (const channel of connection.channels) memberships.push({ channel, connectionId: connection.id });
  }
  if (entries.length > 0) {
    registry
      .refresh(entries, settings.registryTtlMs)
      .catch((error: unknown) => log.warn({ err: error }, 'realtime: registry heartbeat failed'));
  }
  if (memberships.length > 0) {
    presence
      .refresh(memberships, settings.registryTtlMs)
      .catch((error: unknown) => log.warn({ err: error }, 'realtime: presence heartbeat failed'));
  }
}
