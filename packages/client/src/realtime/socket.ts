/**
 * The part of the standard WebSocket API the client uses. The browser's `WebSocket`, Node 22's global one and
 * the `ws` package's class all fit it, so the client imports none of them.
 */
export interface RealtimeSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { readonly code: number; readonly reason: string }) => void,
  ): void;
  addEventListener(type: 'error', listener: () => void): void;
}

export type RealtimeSocketConstructor = new (url: string, protocols: string[]) => RealtimeSocket;

/** The runtime's global `WebSocket` (browsers, Node ≥ 22), or undefined (Node 20). */
export function globalWebSocket(): RealtimeSocketConstructor | undefined {
  return (globalThis as { WebSocket?: RealtimeSocketConstructor }).WebSocket;
}
