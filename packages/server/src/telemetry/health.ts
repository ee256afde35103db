import type { Pingable } from '../storage/index.ts';

/**
 * Liveness and readiness. Live: the process answers. Ready: every configured component (SQL, key-value
 * store, broker, and whatever later modules register) answers within its timeout; otherwise the failing
 * components are named and the status is 503.
 */

export interface HealthComponent {
  name: string;
  check: Pingable;
}

export interface ComponentReport {
  status: 'up' | 'down';
  latency_ms: number;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'unavailable';
  components: Record<string, ComponentReport>;
  /** Names of the components that did not answer. */
  failing: string[];
}

async function checkOne(component: HealthComponent, timeoutMs: number): Promise<ComponentReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([component.check.ping(), deadline]);
    return { status: 'up', latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    // Only the message: connection errors may carry hosts but never credentials; stacks stay in the log.
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'down', latency_ms: Math.round(performance.now() - started), error: message };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every component concurrently, each bounded by `timeoutMs`. */
export async function checkReadiness(
  components: HealthComponent[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const reports = await Promise.all(components.map((component) => checkOne(component, timeoutMs)));
  const report: ReadinessReport = { status: 'ready', components: {}, failing: [] };
  components.forEach((component, index) => {
    const result = reports[index]!;
    report.components[component.name] = result;
    if (result.status === 'down') report.failing.push(component.name);
  });
  if (report.failing.length > 0) report.status = 'unavailable';
  return report;
}
