import { ComponentCheck } from './component-check.ts';
import type { HealthCheck, HealthComponent, ReadinessReport } from './health.ts';

export interface ReadinessOptions {
  /** The components, asked on every report: modules and `app.addHealthCheck` may add some after build. */
  components: () => readonly HealthComponent[];
  timeoutMs: number;
  cacheMs: number;
}

/**
 * The app's readiness: every component checked concurrently through its own `ComponentCheck` (timeout, cache,
 * single flight), and `draining` once the app has begun to close.
 */
export class Readiness {
  readonly #options: ReadinessOptions;
  /** Keyed by the check object, which stays the same while the component list is rebuilt per report. */
  readonly #checks = new WeakMap<HealthCheck, ComponentCheck>();
  #draining = false;
  readonly #listeners: Array<(report: ReadinessReport) => void> = [];

  constructor(options: ReadinessOptions) {
    this.#options = options;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** From now on readiness answers `draining` (503) without checking anything: the app is closing. */
  drain(): void {
    this.#draining = true;
  }

  /** Told every report, probes and scrapes alike (the readiness metrics). */
  onReport(listener: (report: ReadinessReport) => void): void {
    this.#listeners.push(listener);
  }

  async report(): Promise<ReadinessReport> {
    const report = await this.#decide();
    for (const listener of this.#listeners) listener(report);
    return report;
  }

  async #decide(): Promise<ReadinessReport> {
    if (this.#draining) return { status: 'draining', components: {}, failing: [], degraded: [] };
    const components = this.#options.components();
    const reports = await Promise.all(
      components.map((component) => this.#checkOf(component).report(component)),
    );
    const report: ReadinessReport = { status: 'ready', components: {}, failing: [], degraded: [] };
    components.forEach((component, index) => {
      const result = reports[index]!;
      report.components[component.name] = result;
      if (result.status === 'up') return;
      (result.critical ? report.failing : report.degraded).push(component.name);
    });
    if (report.failing.length > 0) report.status = 'unavailable';
    else if (report.degraded.length > 0) report.status = 'degraded';
    return report;
  }

  #checkOf(component: HealthComponent): ComponentCheck {
    let check = this.#checks.get(component.check);
    if (check === undefined) {
      const { timeoutMs, cacheMs } = this.#options;
      check = new ComponentCheck({ timeoutMs, cacheMs });
      this.#checks.set(component.check, check);
    }
    return check;
  }
}
