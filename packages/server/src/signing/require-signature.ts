import type { Context as HonoContext } from 'hono';
import type { Clock } from '../core/clock.ts';
import type { EventPublisher } from '../core/events.ts';
import type { Counter } from '../core/metrics.ts';
import { readBodyBytes } from '../core/request-body.ts';
import { requestHeader } from '../core/request-headers.ts';
import { describeMiddleware } from '../core/route-registry.ts';
import type { Middleware } from '../core/routes.ts';
import type { KeyValueStore } from '../storage/index.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import {
  type SignaturePolicy,
  SignatureRefusal,
  type VerifiedSignature,
  verifyRequestSignature,
} from './signature-verifier.ts';

/**
 * The route middleware behind `requireSignature()`: verifies the request's signature before the handler runs
 * and refuses it with 401 `LIFT_SIGNATURE_INVALID` otherwise (a `signature.refused` event and a count by
 * reason). The body, when a Content-Digest is checked, is read through Hono's cached read, so the handler
 * reads the same bytes again. Failures count against the client's address (failure-throttle.ts): past
 * `signing.failureLimit` the answer is 429 `LIFT_RATE_LIMITED` and nothing more is verified for a while.
 */

export interface SignatureGuardDeps {
  kv: KeyValueStore;
  clock: Clock;
  events: EventPublisher;
  verifications: Counter;
  /** Failed verifications per client address (failure-throttle.ts). */
  throttle: FailureThrottle;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The signature `requireSignature()` verified on this request. */
    signature: VerifiedSignature;
  }
}

export function signatureGuard(policy: SignaturePolicy, deps: SignatureGuardDeps): Middleware {
  const verified = deps.verifications.series({ outcome: 'verified' });
  const middleware: Middleware = async (c, next) => {
    const clientIp = c.get('clientIp') ?? 'unknown';
    const blocked = deps.throttle.blocked(clientIp);
    if (blocked !== undefined) {
      deps.verifications.add({ outcome: 'throttled' });
      throw blocked;
    }
    try {
      const signature = await verifyRequestSignature(
        {
          method: c.req.method,
          url: c.req.url,
          headers: c.req.raw.headers,
          body: () => readBodyBytes(() => c.req.arrayBuffer()),
        },
        policy,
        deps,
      );
      verified.inc();
      c.set('signature', signature);
    } catch (error) {
      if (error instanceof SignatureRefusal) {
        const refusal = refused(c, error, deps);
        throw (await deps.throttle.failed(clientIp)) ?? refusal;
      }
      throw error;
    }
    await next();
  };
  return describeMiddleware(middleware, { kind: 'signature', components: [...policy.components] });
}

function refused(c: HonoContext, refusal: SignatureRefusal, deps: SignatureGuardDeps): Error {
  const reason = refusal.error.reason;
  deps.verifications.add({ outcome: reason });
  deps.events.emit('signature.refused', {
    actor: null,
    ip: c.get('clientIp') ?? null,
    userAgent: requestHeader(c, 'user-agent') ?? null,
    requestId: c.get('requestId') ?? null,
    reason,
    data: { keyid: refusal.keyid, label: refusal.label, method: c.req.method, path: c.req.path },
  });
  return refusal.error;
}

/** The signature `requireSignature()` verified on this request, or undefined on a route without it. */
export function signatureOf(c: HonoContext): VerifiedSignature | undefined {
  return c.get('signature');
}
