import type { RouteGroup } from '../core/routes.ts';
import { readinessStatus } from './health.ts';
import { healthBody, liveBody, readinessBody } from './health-responses.ts';
import type { Readiness } from './readiness.ts';

/**
 * `/health/live` (the process answers, also while draining), `/health/ready` (200 ready or degraded, 503
 * unavailable or draining) and `/health` (readiness plus the app's error counters). Never cached by HTTP; the
 * component results are (readiness.ts).
 */
export function registerHealthRoutes(
  app: RouteGroup,
  options: { readiness: Readiness; stats: () => object },
): void {
  const noStore = { 'cache-control': 'no-store' };
  const { readiness } = options;
  app.get('/health/live', {
    output: liveBody,
    handler: (ctx) => {
      ctx.response.headers.set('cache-control', 'no-store');
      return { status: 'live' as const };
    },
  });
  app.get('/health/ready', {
    responses: { 200: readinessBody, 503: readinessBody },
    handler: async () => {
      const report = await readiness.report();
      return Response.json(report, { status: readinessStatus(report), headers: noStore });
    },
  });
  app.get('/health', {
    responses: { 200: healthBody, 503: healthBody },
    handler: async () => {
      const report = await readiness.report();
      return Response.json(
        { ...report, stats: options.stats() },
        { status: readinessStatus(report), headers: noStore },
      );
    },
  });
}
