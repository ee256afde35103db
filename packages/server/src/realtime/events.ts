/** The realtime module's events, added to the one event catalog (`core/events.ts`). */

declare module '../core/events.ts' {
  interface LiftEvents {
    /** A WebSocket connection was admitted; `via` is the credential it came with (session, bearer, ticket). */
    'realtime.connected': { subject: string | null; data: { connectionId: string; via: string } };
    /** A WebSocket or SSE connection was refused before a socket existed; `reason` as in the 401/403/429. */
    'realtime.refused': { reason: string };
  }
}

export {};
