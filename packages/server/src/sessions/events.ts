/**
 * The sessions module's events, added to the one event catalog (`core/events.ts`). The reasons a session
 * ends are listed in this module's README.
 */

declare module '../core/events.ts' {
  interface LiftEvents {
    'session.created': { data: { sessionId: string; amr: readonly string[] } };
    'session.rotated': { reason: string; data: { from: string; to: string } };
    'session.revoked': { subject: string; reason: string; data: { sessionIds: readonly string[] } };
    'session.denied': { reason: 'max_per_user'; data: { max: number } };
    'session.anomaly': {
      reason: 'binding_enforced' | 'binding_changed';
      data: {
        sessionId: string;
        expected: { uaFamily: string; ipPrefix: string };
        seen: { uaFamily: string; ipPrefix: string };
      };
    };
  }
}

export {};
