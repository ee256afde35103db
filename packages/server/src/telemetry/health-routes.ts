import type { RouteGroup } from '../core/routes.ts';
import { checkReadiness, type HealthComponent } from './health.ts';
import { healthBody, liveBody, readinessBody } from './health-responses.ts';

/**
 * `/health/live` (the process answers), `/health/ready` (every component answers: 200, else 503 naming the
 * failing ones) and `/health` (readiness plus the app's error counters). Never cached.
 */
export function registerHealthRoutes(
  app: RouteGroup,
  options: { components: () => HealthComponent[]; timeoutMs: number; stats: () => object },
): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/health/live', {
    output: liveBody,
    handler: (ctx) => {
      ctx.response.headers.set('cache-control', 'no-store');
      return { status: 'live' as const };
    },
  });
  const ready = async () => {
    const report = await checkReadiness(options.components(), options.timeoutMs);
    return Response.json(report, { status: report.status === 'ready' ? 200 : 503, headers: noStore });
  };
  app.get('/health/ready', { responses: { 200: readinessBody, 503: readinessBody }, handler: ready });
  app.get('/health', {
    responses: { 200: healthBody, 503: healthBody },
    handler: async () => {
      const response = await ready();
      const report = (await response.json()) as object;
      return Response.json(
        { ...report, stats: options.stats() },
        { status: response.status, headers: noStore },
      );
    },
  });
}
