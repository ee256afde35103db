import type { ListeningAddress } from '../core/server.ts';

/** Hosts that mean "this machine": a client on the same machine may address any loopback name. */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0', '::', '']);

export interface OwnOriginsOptions {
  /** `auth.publicUrl`, when set: then it is the only origin. */
  publicUrl: string | undefined;
  /** The configured listener (`host`, `port`), for an app not (yet) listening — `app.fetch` in tests. */
  host: string;
  port: number;
  /** The bound address once the app listens (port 0 resolved). */
  listening: () => ListeningAddress | undefined;
}

/**
 * The origins a client addresses this app at, first the canonical one: `auth.publicUrl`'s origin, or (in
 * development, where it may be unset) the listener's own address — on a loopback or wildcard listener each
 * loopback name, since a local client may use any of them. The request's `Host` header never decides it: a
 * DPoP proof (`htu`) made for an attacker's host must not pass because the attacker also sent that host.
 */
export function ownOrigins(options: OwnOriginsOptions): () => readonly string[] {
  if (options.publicUrl) {
    const fixed = [new URL(options.publicUrl).origin];
    return () => fixed;
  }
  let cachedPort: number | undefined;
  let cached: readonly string[] = [];
  return () => {
    const address = options.listening();
    const host = address?.host ?? options.host;
    const port = address?.port ?? options.port;
    if (port !== cachedPort) {
      cachedPort = port;
      cached = LOCAL_HOSTS.has(host)
        ? [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]
        : [new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}`).origin];
    }
    return cached;
  };
}
