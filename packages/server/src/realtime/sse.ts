import type { Context as HonoContext } from 'hono';
import type { WebSocket } from 'ws';
import { BadRequestError } from '../core/errors.ts';
import { requestHeader } from '../core/request-headers.ts';
import type { Admission } from './admission.ts';
import type { Gateway } from './gateway.ts';
import type { RealtimeMetrics } from './metrics.ts';
import { isChannelName } from './protocol.ts';
import { decodeLastEventId, SseSocket } from './sse-socket.ts';

/** Channels one stream may ask for at once. */
const MAX_CHANNELS = 32;

/**
 * `GET /sse?channels=a,b`: the same admission as a WebSocket (cookie, ticket, bearer; Origin; the user's
 * connection slots; attempts per address), then a `text/event-stream` carrying the same frames. A browser's
 * `EventSource` reconnects by itself and sends `Last-Event-ID`, from which every channel recovers.
 */
export function sseRoute(deps: {
  admission: () => Admission;
  gateway: () => Gateway;
  metrics: RealtimeMetrics;
  maxQueuedBytes: number;
}): (c: HonoContext) => Promise<Response> {
  return (c) => {
    const channels = (new URL(c.req.url).searchParams.get('channels') ?? '')
      .split(',')
      .map((channel) => channel.trim())
      .filter((channel) => channel !== '');
    if (channels.length === 0 || channels.length > MAX_CHANNELS || !channels.every(isChannelName)) {
      throw new BadRequestError(
        `channels: 1 to ${MAX_CHANNELS} channel names (namespace:name), comma-separated.`,
      );
    }
    const positions = decodeLastEventId(requestHeader(c, 'last-event-id'));
    return deps.admission().decide(c, (admitted) => {
      const socket = new SseSocket(positions, deps.maxQueuedBytes);
      deps.metrics.sseActive.inc();
      socket.once('close', () => deps.metrics.sseActive.dec());
      deps.gateway().attach(
        socket as unknown as WebSocket,
        admitted,
        channels.map((channel) => {
          const known = positions[channel];
          return known ? { channel, since: { offset: known[0], epoch: known[1] } } : { channel };
        }),
      );
      return new Response(socket.stream, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          // Proxies (nginx) buffer responses unless told not to; an event stream must flow.
          'x-accel-buffering': 'no',
        },
      });
    });
  };
}
