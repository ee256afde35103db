import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import type { ModuleMetrics } from '../core/metrics.ts';
import type { RouteGroup } from '../core/routes.ts';
import type { Pingable } from '../storage/index.ts';
import {
  AppHealth,
  type HealthComponent,
  type ProcessMonitor,
  recordReadiness,
  registerHealthRoutes,
} from '../telemetry/index.ts';
import type { SqlShape } from './shapes/sql-shape.ts';

/**
 * The app's health components, in report order: the stores of its shape, `migrations`, the modules' and the
 * app's own (`app.addHealthCheck`), then what telemetry adds (disk, outbox, mail, event loop: app-health.ts);
 * and the three health routes on top of them.
 */
export function mountHealth(
  app: RouteGroup & { readonly config: LiftConfig; readonly clock: Clock },
  shape: SqlShape,
  parts: {
    migrations: () => Pingable;
    /** The app's modules; each may declare components (`health` in the module contract). */
    modules: { readonly built: ReadonlyArray<{ instance: { health?: readonly HealthComponent[] } }> };
    /** What `app.addHealthCheck` added, read on every report. */
    added: readonly HealthComponent[];
    stats: () => object;
    /** The telemetry module's metric handles (readiness state and transitions); none with metrics off. */
    metrics?: ModuleMetrics | undefined;
    /** Process monitors started and stopped with the health monitor (the load-shedding one). */
    monitors?: readonly ProcessMonitor[];
  },
): AppHealth {
  const health = new AppHealth({
    settings: app.config.health,
    components: () => [
      ...shape.storage.components(),
      // Asked on every probe while pending, so the node is ready on the first probe after `lift migrate`.
      { name: 'migrations', check: parts.migrations(), cacheMs: 0 },
      ...parts.modules.built.flatMap(({ instance }) => instance.health ?? []),
      ...parts.added,
    ],
    oldestUnrelayedAt: () => shape.outbox.oldestUnrelayedAt(),
    now: () => app.clock.now(),
    mail: shape.mail,
    sqliteFile: shape.sqliteFile,
    monitors: parts.monitors ?? [],
  });
  if (parts.metrics) recordReadiness(parts.metrics, health.readiness);
  registerHealthRoutes(app, { readiness: health.readiness, stats: parts.stats });
  return health;
}
