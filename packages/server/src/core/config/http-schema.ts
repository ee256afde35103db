import { z } from 'zod';
import { durationMs } from './config-fields.ts';

/** The `http` section: the built-in middleware of the request pipeline (core/pipeline.ts). */

const requestIdSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Assign every request an id and echo it in the response.'),
    header: z
      .string()
      .default('x-request-id')
      .describe('Header carrying the request id, accepted from clients when well formed.'),
  })
  .prefault({});

const accessLogSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Log one JSON line per request (method, path, status, duration).'),
    redactFields: z
      .array(z.string())
      .default([])
      .describe(
        'Extra body/query field names to redact, on top of anything named like password, token, secret, key or code.',
      ),
  })
  .prefault({});

const securityHeadersSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Send X-Content-Type-Options, Referrer-Policy, X-Frame-Options and CSP.'),
    contentSecurityPolicy: z
      .string()
      .default("frame-ancestors 'none'")
      .describe(
        'Content-Security-Policy of API responses; empty string disables it. HTML link pages send a stricter one.',
      ),
    referrerPolicy: z.string().default('no-referrer').describe('Referrer-Policy header value.'),
    hsts: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe('Strict-Transport-Security: auto sends it in production only.'),
    hstsMaxAgeSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .default(31_536_000)
      .describe('HSTS max-age in seconds.'),
  })
  .prefault({});

const corsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Answer CORS requests; origins outside the allowlist get no CORS headers.'),
    origins: z
      .array(z.string())
      .default([])
      .describe(
        'Allowed origins, exact (https://app.example.com). "*" allows any origin but never with credentials.',
      ),
    credentials: z
      .boolean()
      .default(false)
      .describe('Send Access-Control-Allow-Credentials for allowlisted origins (refused together with "*").'),
    allowHeaders: z
      .array(z.string())
      .default(['content-type', 'authorization', 'x-request-id', 'x-tenant-id', 'idempotency-key'])
      .describe('Request headers a cross-origin client may send.'),
    exposeHeaders: z
      .array(z.string())
      .default(['x-request-id'])
      .describe('Response headers a cross-origin client may read.'),
    maxAgeSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .default(600)
      .describe('How long a browser may cache a preflight.'),
  })
  .prefault({});

const bodyLimitSchema = z
  .strictObject({
    maxBytes: z.coerce
      .number()
      .int()
      .min(0)
      .default(1_048_576)
      .describe('Largest accepted request body in bytes; larger bodies get 413.'),
    maxDepth: z.coerce
      .number()
      .int()
      .min(1)
      .max(512)
      .default(64)
      // Bounded so that recursive schemas (z.json()) and serialisers never overflow the stack.
      .describe(
        'Deepest nesting of objects and arrays in a JSON body (checked before parsing); deeper get 400.',
      ),
  })
  .prefault({});

const timeoutSchema = z
  .strictObject({
    ms: durationMs(30_000, 'Request deadline; past it the client gets 504 and ctx.signal is aborted.'),
  })
  .prefault({});

const clientIpSchema = z
  .strictObject({
    trustedProxies: z
      .array(z.string())
      .default([])
      .describe('CIDRs (or addresses) of proxies whose X-Forwarded-For is believed; empty trusts none.'),
  })
  .prefault({});

// On by default with thresholds a healthy process never reaches: a p99 event-loop delay of a second, or a heap
// 90 % full, means requests are already failing their deadlines or the process is near an out-of-memory crash;
// refusing new work quickly then helps every request already in flight.
const loadSheddingSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Answer new requests 503 with Retry-After while the process is overloaded.'),
    maxEventLoopDelayMs: z.coerce
      .number()
      .positive()
      .default(1000)
      .describe('p99 event-loop delay (ms) over one sample above which the process is overloaded.'),
    maxHeapUsedRatio: z.coerce
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe('Heap in use over the V8 heap limit above which the process is overloaded.'),
    sampleIntervalMs: z.coerce
      .number()
      .int()
      .min(10)
      .default(250)
      .describe(
        'How often delay and heap are read; shedding starts after three samples in a row over a threshold and stops below 90 % of both.',
      ),
    retryAfterSeconds: z.coerce.number().int().min(0).default(5).describe('Retry-After of the 503 answer.'),
    exemptPaths: z
      .array(z.string().startsWith('/'))
      .default(['/health', '/metrics'])
      .describe('Path prefixes never shed (health probes, metrics scrapes).'),
  })
  .prefault({});

export const httpSchema = z
  .strictObject({
    requestId: requestIdSchema,
    accessLog: accessLogSchema,
    securityHeaders: securityHeadersSchema,
    cors: corsSchema,
    bodyLimit: bodyLimitSchema,
    timeout: timeoutSchema,
    clientIp: clientIpSchema,
    loadShedding: loadSheddingSchema,
  })
  .prefault({});
