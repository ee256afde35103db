import type { Context as HonoContext } from 'hono';
import { z } from 'zod';
import { requireAuth } from '../core/authenticate.ts';
import { BadRequestError, ForbiddenError } from '../core/errors.ts';
import type { RouteGroup } from '../core/routes.ts';
import { type PermissionCheck, parseChannel } from './channels.ts';
import type { RealtimeSettings } from './config.ts';
import type { StreamPosition } from './ports.ts';
import type { Tickets } from './tickets.ts';

export interface RealtimeRouteDeps {
  settings: RealtimeSettings;
  authPrefix: string;
  tickets: Tickets;
  can: PermissionCheck | undefined;
  /** The upgrade route (admission.ts). */
  route(c: HonoContext): Promise<Response>;
  /** The SSE route (sse.ts). */
  sse(c: HonoContext): Promise<Response>;
  publish(channel: string, data: unknown): Promise<StreamPosition>;
}

/**
 * The realtime module's HTTP surface: `GET /ws` (the upgrade, run through the pipeline so refusals are
 * problem+json), `POST /auth/ws-ticket` and `POST /realtime/publish`.
 */
export function realtimeRoutes(app: RouteGroup, deps: RealtimeRouteDeps): void {
  const { settings, tickets, can } = deps;
  app.get(settings.path, {
    summary: 'The WebSocket endpoint (subprotocol lift.v1; docs/realtime-protocol.md).',
    handler: (ctx) => deps.route(ctx.raw),
  });
  app.get(settings.ssePath, {
    summary: 'A Server-Sent Events stream of ?channels= (the same frames as lift.v1; docs/realtime.md).',
    responses: { 200: { mediaType: 'text/event-stream', description: 'lift.v1 frames as SSE events' } },
    handler: (ctx) => deps.sse(ctx.raw),
  });
  app.group(deps.authPrefix, requireAuth()).post('/ws-ticket', {
    summary: 'A one-time ticket to open a WebSocket with (?ticket=), valid for realtime.ticketTtlMs.',
    output: z.object({ ticket: z.string(), expires_in: z.number() }),
    handler: async (ctx) => ({
      ticket: await tickets.issue(ctx.principal!),
      expires_in: Math.round(settings.ticketTtlMs / 1000),
    }),
  });
  app.group('/realtime', requireAuth()).post('/publish', {
    summary: 'Publishes to a channel (needs realtime:publish in the channel’s tenant, or globally).',
    input: { body: z.object({ channel: z.string().min(3).max(300), data: z.unknown() }) },
    output: z.object({ offset: z.number(), epoch: z.string() }),
    handler: async (ctx, { body }) => {
      const channel = parseChannel(body.channel);
      if (channel === undefined) {
        throw new BadRequestError(`"${body.channel}" is not a channel name (namespace:name).`);
      }
      const principal = ctx.principal!;
      const tenant = channel.tenantId ?? principal.tenantId ?? null;
      if (can === undefined || !can(principal, 'realtime:publish', tenant)) {
        throw new ForbiddenError(`Publishing to ${body.channel} needs realtime:publish.`);
      }
      return deps.publish(body.channel, body.data ?? null);
    },
  });
}
