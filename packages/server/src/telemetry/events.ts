import type { LogLevel } from '../core/logger.ts';

/** The telemetry events, added to the catalog (core/events.ts). */
declare module '../core/events.ts' {
  interface LiftEvents {
    /** An admin changed a logger's level at run time (`PUT <adminPrefix>/log-levels/:module`). */
    'log.level_changed': { data: { module: string; from: LogLevel; to: LogLevel } };
  }
}
