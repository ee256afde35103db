import type { ComponentReport, HealthComponent, HealthObservation } from './health.ts';

export interface ComponentCheckSettings {
  timeoutMs: number;
  cacheMs: number;
}

/**
 * One component's check, bounded and shared: a result is reused for the cache window, and callers arriving
 * while the component's ping runs wait on that same call (single flight), each for at most `timeoutMs`. So a
 * check that hangs is never started twice either: a dead store does not collect one stuck connection per probe.
 */
export class ComponentCheck {
  readonly #settings: ComponentCheckSettings;
  #cached: { report: ComponentReport; at: number } | undefined;
  #pending: Promise<HealthObservation | undefined> | undefined;

  constructor(settings: ComponentCheckSettings) {
    this.#settings = settings;
  }

  report(component: HealthComponent): Promise<ComponentReport> {
    const cached = this.#cached;
    const cacheMs = component.cacheMs ?? this.#settings.cacheMs;
    if (cached !== undefined && performance.now() - cached.at < cacheMs)
      return Promise.resolve(cached.report);
    return this.#run(component);
  }

  async #run(component: HealthComponent): Promise<ComponentReport> {
    const { timeoutMs } = this.#settings;
    const critical = component.critical ?? true;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    let report: ComponentReport;
    try {
      const observed = await Promise.race([this.#ping(component), deadline]);
      report = { status: 'up', latency_ms: elapsed(), critical, ...(observed ? { observed } : {}) };
    } catch (error) {
      // Only the message: connection errors may carry hosts but never credentials; stacks stay in the log.
      const message = error instanceof Error ? error.message : String(error);
      report = { status: 'down', latency_ms: elapsed(), critical, error: message };
    } finally {
      clearTimeout(timer);
    }
    // Monotonic time: a wall-clock step must not stretch or skip the window.
    this.#cached = { report, at: performance.now() };
    return report;
  }

  /** The component's ping, or the call still pending: a concurrent caller's, or an earlier run's that timed out. */
  #ping(component: HealthComponent): Promise<HealthObservation | undefined> {
    if (this.#pending !== undefined) return this.#pending;
    const pending = Promise.resolve()
      .then(() => component.check.ping())
      .then((observed) => observed ?? undefined);
    this.#pending = pending;
    const clear = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    pending.then(clear, clear);
    return pending;
  }
}
