import type { Logger } from 'pino';
import type { LiftConfig } from '../core/config/schema.ts';
import { LoadMonitor } from '../http/index.ts';

/**
 * The app's overload decision for the load-shedding stage (`http.loadShedding`), or undefined when it is off.
 * Started and stopped with the health monitor (app start, close): start-up's module loading is not overload.
 */
export function appLoadMonitor(config: LiftConfig, log: Logger): LoadMonitor | undefined {
  const shedding = config.http.loadShedding;
  if (!shedding.enabled) return undefined;
  return new LoadMonitor({
    ...shedding,
    // One line per change, never per request.
    onChange: (overloaded, sample) =>
      overloaded
        ? log.warn(sample, 'overloaded: shedding new requests with 503 (http.loadShedding)')
        : log.info(sample, 'load back to normal: no longer shedding requests'),
  });
}
