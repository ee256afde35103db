import type { Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import { UnauthenticatedError } from '../../core/errors.ts';
import { readBodyBytes } from '../../core/request-body.ts';
import { requestHeader } from '../../core/request-headers.ts';
import { requestScope } from '../../core/request-scope.ts';
import type { Principal } from '../../core/request-state.ts';
import { describeMiddleware } from '../../core/route-registry.ts';
import type { Middleware } from '../../core/routes.ts';
import type { KeyValueStore } from '../../storage/index.ts';
import { IdempotencyEntries, type IdempotencyMetrics } from './idempotency-entries.ts';
import { checkIdempotencyKey, requestFingerprint, storeKeyOf } from './idempotency-key.ts';
import { encodeRecord } from './idempotency-record.ts';
import { captureResponse } from './stored-response.ts';

export interface IdempotencyOptions {
  /** Where claims and answers live; its clock decides when they expire. */
  kv: KeyValueStore;
  /** How long a completed answer is replayed. Default 24 h. */
  ttlMs?: number;
  /**
   * How long a running request holds its key. A process that crashes mid-request frees the key when this runs
   * out; a request still running past it may then run a second time. Default 60 s, above the default request
   * timeout (`http.timeout.ms`, 30 s), so a live request keeps its key.
   */
  leaseMs?: number;
  log: Logger;
  metrics?: IdempotencyMetrics;
  /** Methods that honour the header; others pass through untouched. Default POST and PATCH. */
  methods?: readonly string[];
  /** Key-value namespace. Default `idempotency:`. */
  prefix?: string;
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 60_000;

const HEADER = 'idempotency-key';

/**
 * Replays the first completed answer to a retried POST or PATCH with the same `Idempotency-Key`. Put it after
 * authentication (`requireAuth()`): keys are scoped to the principal, so one principal never sees another's
 * answers. A request with a key but without a principal is refused with 401 rather than scoped by client IP,
 * which clients behind one NAT share.
 */
export function idempotency(options: IdempotencyOptions): Middleware {
  const ttlMs = options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  const leaseMs = options.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
  const prefix = options.prefix ?? 'idempotency:';
  const methods = new Set((options.methods ?? ['POST', 'PATCH']).map((method) => method.toUpperCase()));
  const { log, metrics } = options;
  const entries = new IdempotencyEntries({ kv: options.kv, leaseMs, log, ...(metrics ? { metrics } : {}) });

  return describeMiddleware(idempotencyMiddleware, { kind: 'idempotency', methods: [...methods] });

  async function idempotencyMiddleware(c: HonoContext, next: () => Promise<void>) {
    const key = requestHeader(c, HEADER);
    if (key === undefined || !methods.has(c.req.method)) return next();
    checkIdempotencyKey(key);
    const principal = await resolvePrincipal(c);
    if (principal === null) {
      throw new UnauthenticatedError('An Idempotency-Key is kept per caller: authenticate to use one.');
    }
    const body = await readBodyBytes(() => c.req.arrayBuffer());
    const url = new URL(c.req.url);
    const fingerprint = requestFingerprint(c.req.method, url.pathname + url.search, body);
    const storeKey = storeKeyOf(prefix, principal, key);

    const answer = await entries.claimOrAnswer(storeKey, fingerprint);
    if (answer !== undefined) return answer;

    // What the pipeline pended before the handler (request id, security headers, CORS) is per request: a replay
    // gets its own. Taken now, because a handler's own headers (`ctx.response.headers`) are pended too.
    const pipelineHeaders = new Set(Object.keys(requestScope(c).headers ?? {}));
    try {
      await next();
    } catch (error) {
      await entries.release(storeKey);
      throw error;
    }
    const response = c.res;
    if (response.status >= 500) {
      await entries.release(storeKey);
      return;
    }
    try {
      const record = await captureResponse(response, fingerprint, pipelineHeaders);
      await options.kv.set(storeKey, encodeRecord(record), { ttlMs });
      metrics?.record('stored');
    } catch (error) {
      // The work is done and its answer goes out; only the replay is lost. The claim runs out with its lease.
      log.error({ err: error }, 'idempotency: the completed response could not be stored');
    }
  }
}

/** The request's principal, running the authentication chain if no guard has yet. */
async function resolvePrincipal(c: HonoContext): Promise<Principal | null> {
  const authenticator = requestScope(c).authenticator;
  if (authenticator === undefined) return c.get('principal') ?? null;
  return authenticator.authenticate(c);
}
