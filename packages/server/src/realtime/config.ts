import { z } from 'zod';
import { durationMs } from '../core/config/config-fields.ts';

/**
 * The config section the realtime module owns: `realtime.*` (LIFT_REALTIME__*). Every limit has a default; what a
 * channel namespace allows is code (`realtimeModule({ namespaces })`), not config.
 */

const int = (def: number, min: number, what: string) =>
  z.coerce.number().int().min(min).default(def).describe(what);

const realtimeSection = z
  .strictObject({
    path: z.string().startsWith('/').default('/ws').describe('Where WebSocket upgrades are served.'),
    ssePath: z
      .string()
      .startsWith('/')
      .default('/sse')
      .describe('Where the Server-Sent Events stream is served.'),
    allowedOrigins: z
      .array(z.string())
      .default([])
      .describe(
        'Origins a cookie- or ticket-authenticated upgrade may come from, besides the app’s own: exact (https://app.example.com) or one wildcard label (https://*.example.com). Bearer clients may send none.',
      ),
    allowQueryToken: z
      .boolean()
      .default(false)
      .describe(
        'Accept an access token in the access_token query parameter (for clients that can set neither a header nor a subprotocol). Off: URLs end up in logs and histories; the parameter is redacted from the access log either way.',
      ),
    maxConnectionsPerUser: int(5, 1, 'Concurrent connections per user, exact across nodes sharing Redis.'),
    connectAttempts: z
      .strictObject({
        limit: int(20, 1, 'Connection attempts per client address (IPv6 by /64) per window.'),
        windowSeconds: int(60, 1, 'Its sliding window, in seconds.'),
      })
      .prefault({}),
    maxPayloadBytes: int(65_536, 128, 'The largest message a client may send; larger closes with 1009.'),
    maxQueuedBytes: int(
      1_048_576,
      1_024,
      'Bytes a connection may have waiting to be sent; a slower consumer is closed with 1013 instead of growing memory.',
    ),
    inbound: z
      .strictObject({
        perSecond: int(20, 1, 'Messages a connection may send per second, sustained.'),
        burst: int(50, 1, 'Messages it may send at once.'),
      })
      .prefault({}),
    pingIntervalMs: durationMs(
      25_000,
      'Protocol pings to every socket (a comment line on SSE streams), from one timer; a socket that has not answered the previous one is terminated.',
    ),
    expiryGraceMs: durationMs(
      25_000,
      'After the credential expires, how long the client has to send a refresh before the server closes with 4001.',
    ),
    ticketTtlMs: durationMs(30_000, 'How long a ticket from POST /auth/ws-ticket can be used (once).'),
    registryTtlMs: durationMs(
      60_000,
      'How long a node’s connections count after its last heartbeat (a dead node’s connections stop counting then).',
    ),
    history: z
      .strictObject({
        size: int(100, 0, 'Publications kept per channel for recovery (0: no history).'),
        ttlMs: durationMs(300_000, 'A channel’s history is dropped this long after its last publication.'),
        maxRecover: int(
          100,
          1,
          'At most this many publications are replayed on resubscribe; more is recovered: false.',
        ),
      })
      .prefault({}),
    compression: z
      .strictObject({
        enabled: z.boolean().default(false).describe('permessage-deflate; costs memory per connection.'),
        thresholdBytes: int(1_024, 0, 'Messages smaller than this are sent uncompressed.'),
        windowBits: z.coerce
          .number()
          .int()
          .min(9)
          .max(15)
          .default(12)
          .describe(
            'The server’s LZ77 window, 2^n bytes (server_max_window_bits). Each connection that was sent a compressed message keeps a deflate stream of about 2^(n+2) + 2^(memLevel+9) bytes; 15 is zlib’s default.',
          ),
        memLevel: z.coerce
          .number()
          .int()
          .min(1)
          .max(9)
          .default(5)
          .describe(
            'zlib’s memLevel for the server’s deflate stream (its hash table, 2^(n+9) bytes); 8 is zlib’s default.',
          ),
      })
      .prefault({}),
  })
  .prefault({});

export const realtimeConfig = { realtime: realtimeSection };

export type RealtimeSettings = z.output<typeof realtimeSection>;

declare module '../core/config/schema.ts' {
  interface LiftConfigSections {
    realtime: typeof realtimeSection;
  }
}
