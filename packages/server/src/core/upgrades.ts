import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ModuleInstance, UpgradeHandler, UpgradeRequest } from './module.ts';

/**
 * Routes a listening server's `upgrade` requests to the module that serves their path (core/module.ts
 * `UpgradeHandler`). Without a listener Node would drop them silently; an upgrade to any other path gets a
 * plain 404 problem and the socket is ended.
 */
export function routeUpgrades(
  server: Server,
  handlers: readonly UpgradeHandler[],
  fetch: UpgradeRequest['fetch'],
): void {
  const byPath = new Map<string, UpgradeHandler>();
  for (const handler of handlers) for (const path of handler.paths) byPath.set(path, handler);
  server.on('upgrade', (request, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    const handler = byPath.get(path);
    if (handler === undefined) {
      refuseUpgrade(socket, 404, {
        type: 'about:blank',
        title: 'Not found',
        status: 404,
        code: 'LIFT_NOT_FOUND',
        detail: 'Nothing upgrades at this path.',
      });
      return;
    }
    handler.handle({ request, socket, head, fetch });
  });
}

/** Writes a small problem+json answer on a socket that never became a WebSocket, and ends it. */
export function refuseUpgrade(socket: Duplex, status: number, problem: Record<string, unknown>): void {
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${status} ${String(problem.title ?? '')}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The upgrade handlers of an app's built modules, in module order. */
export function upgradeHandlersOf(built: ReadonlyArray<{ instance: ModuleInstance }>): UpgradeHandler[] {
  return built.flatMap(({ instance }) => (instance.upgrades ? [instance.upgrades] : []));
}
