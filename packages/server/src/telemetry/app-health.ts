import type { LiftConfig } from '../core/config/schema.ts';
import { diskSpaceCheck } from './disk-space-check.ts';
import { EventLoopDelayCheck } from './event-loop-check.ts';
import type { HealthCheck, HealthComponent } from './health.ts';
import { outboxLagCheck } from './outbox-lag-check.ts';
import { Readiness } from './readiness.ts';

export interface AppHealthOptions {
  settings: LiftConfig['health'];
  /** The store components, `migrations`, the modules' and the app's: critical unless they say otherwise. */
  components: () => readonly HealthComponent[];
  /** When the oldest event not yet relayed was written (app clock); null when none waits. */
  oldestUnrelayedAt: () => Promise<number | null>;
  /** The app clock, which stamps outbox rows. */
  now: () => number;
  /** The mail transport, once a module has taken one. */
  mail: () => HealthCheck | undefined;
  /** The SQLite database file; undefined on PostgreSQL or an in-memory database. */
  sqliteFile: string | undefined;
  /** Process monitors started and stopped with the event-loop monitor (load shedding's, http/). */
  monitors?: readonly ProcessMonitor[];
}

/** A timer-driven monitor of this process, running from app start to close. */
export interface ProcessMonitor {
  start(): void;
  stop(): void;
}

/**
 * The app's health components and their lifecycle: the given ones, then `disk` (SQLite file only, critical),
 * `outbox`, `mail` (when the app sends mail) and `event_loop` — the last three non-critical, since taking a
 * node out of the load balancer fixes neither a slow relay, a mail server nor a busy loop, and with every node
 * sharing the outbox it would take them all out at once. `start()` starts the event-loop monitor (app start),
 * `drain()` turns readiness to `draining` (close begins), `stop()` stops the monitor (close ends); the given
 * `monitors` (load shedding's) start and stop with it.
 */
export class AppHealth {
  readonly readiness: Readiness;
  readonly #settings: LiftConfig['health'];
  readonly #eventLoop: EventLoopDelayCheck;
  readonly #monitors: readonly ProcessMonitor[];

  constructor(options: AppHealthOptions) {
    const { settings } = options;
    this.#settings = settings;
    this.#eventLoop = new EventLoopDelayCheck({ maxDelayMs: settings.maxEventLoopDelayMs });
    this.#monitors = options.monitors ?? [];
    const outbox = outboxLagCheck({
      oldestUnrelayedAt: options.oldestUnrelayedAt,
      now: options.now,
      maxLagMs: settings.outboxMaxLagMs,
    });
    const disk =
      options.sqliteFile === undefined
        ? undefined
        : diskSpaceCheck({ file: options.sqliteFile, minFreeBytes: settings.minFreeDiskBytes });
    this.readiness = new Readiness({
      timeoutMs: settings.checkTimeoutMs,
      cacheMs: settings.cacheMs,
      components: () => {
        const mail = options.mail();
        return [
          ...options.components(),
          ...(disk ? [{ name: 'disk', check: disk }] : []),
          { name: 'outbox', check: outbox, critical: false },
          ...(mail ? [{ name: 'mail', check: mail, critical: false, cacheMs: settings.mailCacheMs }] : []),
          { name: 'event_loop', check: this.#eventLoop, critical: false },
        ];
      },
    });
  }

  start(): void {
    this.#eventLoop.start();
    for (const monitor of this.#monitors) monitor.start();
  }

  /** Readiness answers `draining` from now on; resolves after `health.drainDelayMs`, while the server still serves. */
  async drain(): Promise<void> {
    if (this.readiness.draining) return;
    this.readiness.drain();
    const delay = this.#settings.drainDelayMs;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  stop(): void {
    this.#eventLoop.stop();
    for (const monitor of this.#monitors) monitor.stop();
  }
}
