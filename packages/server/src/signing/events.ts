/** The signing module's events, added to the one event catalog (`core/events.ts`). */

declare module '../core/events.ts' {
  interface LiftEvents {
    /** A request that a route requires to be signed was refused; `reason` is one of `REFUSAL_REASONS`. */
    'signature.refused': {
      reason: string;
      data: { keyid: string | null; label: string | null; method: string; path: string };
    };
  }
}

export {};
