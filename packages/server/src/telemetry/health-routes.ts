import type { RouteGroup } from '../core/routes.ts';
import { checkReadiness, type HealthComponent } from './health.ts';

/**
 * `/health/live` (the process answers), `/health/ready` (every component answers: 200, else 503 naming the
 * failing ones) and `/health` (readiness plus the app's error counters). Never cached.
 */
export function registerHealthRoutes(
  app: RouteGroup,
  options: { components: () => HealthComponent[]; timeoutMs: number; stats: () => object },
): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/health/live', (ctx) => {
    ctx.response.headers.set('cache-control', 'no-store');
    return { status: 'live' };
  });
  const ready = async () => {
    const report = await checkReadiness(options.components(), options.timeoutMs);
    return Response.json(report, { status: report.status === 'ready' ? 200 : 503, headers: noStore });
  };
  app.get('/health/ready', ready);
  app.get('/health', async () => {
    const response = await ready();
    const report = (await response.json()) as object;
    return Response.json(
      { ...report, stats: options.stats() },
      { status: response.status, headers: noStore },
    );
  });
}
