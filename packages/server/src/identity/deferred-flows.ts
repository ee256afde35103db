import type { EventOrigin } from '../core/events.ts';
import { forgotPassword, resendVerification } from './account-flows.ts';
import type { IdentityDeps } from './identity-deps.ts';

/**
 * The account-dependent halves of "resend verification" and "forgot password", run as durable jobs after the
 * answer: every request writes the same job whether or not the address has an account, so the response time
 * cannot tell, and a crash after the 202 does not lose the work (storage/outbox/).
 */

const FLOWS = {
  'identity.resend': resendVerification,
  'identity.forgot': forgotPassword,
} as const;

export type DeferredFlow = keyof typeof FLOWS;

interface DeferredInput {
  email: string;
  origin: EventOrigin;
}

/** Registers the job handlers (at build time). */
export function registerDeferredFlows(deps: IdentityDeps): void {
  for (const [type, flow] of Object.entries(FLOWS)) {
    deps.jobs.handle(type, async (job) => {
      const input = JSON.parse(job.payload) as DeferredInput;
      await flow(deps, input.email, input.origin);
    });
  }
}

/** Queues the flow for `email`; resolves once it is written. */
export function deferFlow(
  deps: IdentityDeps,
  flow: DeferredFlow,
  email: string,
  origin: EventOrigin,
): Promise<void> {
  const input: DeferredInput = { email, origin };
  return deps.jobs.enqueue(flow, JSON.stringify(input));
}
