/** The realtime module's events, added to the one event catalog (`core/events.ts`). */

declare module '../core/events.ts' {
  interface LiftEvents {
    /** A WebSocket or SSE connection was refused before a socket existed; `reason` as in the 401/403/429. */
    'realtime.refused': { reason: string };
  }
}

export {};
