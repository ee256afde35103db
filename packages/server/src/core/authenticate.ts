import type { Context as HonoContext } from 'hono';
import { Context } from './context.ts';
import { LiftConfigError, UnauthenticatedError } from './errors.ts';
import type { EventPublisher } from './events.ts';
import { guardMiddleware } from './guard.ts';
import { requestScope } from './request-scope.ts';
import type { Principal } from './request-state.ts';
import { describeMiddleware } from './route-registry.ts';
import type { Middleware } from './routes.ts';
import { noopTracer, type Tracer, traced } from './tracing.ts';

/**
 * Authentication as a chain of resolvers (DESIGN §2: session cookie, bearer JWT, API key, signature). Each
 * resolver looks for its own kind of credential:
 *
 * - no credential of its kind → `null`, and the next resolver is asked;
 * - a valid credential → the `Principal`; the chain stops;
 * - a credential that is present but wrong (expired, revoked, forged) → `null` too, unless the resolver
 *   wants a specific refusal, in which case it throws a `LiftError` (a 401, a 403 `LIFT_CSRF`, a 503 when
 *   the store that decides is down — authentication fails closed).
 *
 * The sessions module adds the cookie resolver; the tokens and API-key modules add theirs to the same chain.
 * The chain runs at most once per request, on the first guard that asks.
 */

export type AuthResolver = (c: HonoContext) => Promise<Principal | null> | Principal | null;

export class Authenticator {
  /** The app's event publisher, for guards that report refusals. */
  readonly events: EventPublisher | undefined;
  readonly #resolvers: Array<{ name: string; resolve: AuthResolver }> = [];
  readonly #tracer: Tracer;

  constructor(events?: EventPublisher, tracer: Tracer = noopTracer) {
    this.events = events;
    this.#tracer = tracer;
  }

  /** Adds a resolver at the end of the chain. Names are unique (`session`, `bearer`, `api_key`). */
  add(name: string, resolve: AuthResolver): void {
    if (this.#resolvers.some((entry) => entry.name === name)) {
      throw new LiftConfigError(`An authentication resolver named "${name}" is already registered.`);
    }
    this.#resolvers.push({
      name,
      resolve: this.#tracer.enabled ? tracedResolver(this.#tracer, name, resolve) : resolve,
    });
  }

  get names(): string[] {
    return this.#resolvers.map((entry) => entry.name);
  }

  /**
   * Runs the chain once per request and stores the result as the request's principal. Synchronous when every
   * resolver asked answers synchronously (a cached session), so the hot path allocates no promise.
   */
  authenticate(c: HonoContext): Principal | null | Promise<Principal | null> {
    const scope = requestScope(c);
    if (scope.authenticated) return c.get('principal') ?? null;
    return this.#from(c, 0);
  }

  #from(c: HonoContext, start: number): Principal | null | Promise<Principal | null> {
    for (let index = start; index < this.#resolvers.length; index++) {
      const found = this.#resolvers[index]!.resolve(c);
      if (found instanceof Promise) {
        return found.then((principal) =>
          principal === null ? this.#from(c, index + 1) : this.#settle(c, principal),
        );
      }
      if (found !== null) return this.#settle(c, found);
    }
    return this.#settle(c, null);
  }

  #settle(c: HonoContext, principal: Principal | null): Principal | null {
    requestScope(c).authenticated = true;
    c.set('principal', principal);
    return principal;
  }
}

/**
 * One span per resolver asked (`auth.session`, `auth.bearer` …), with `lift.auth.outcome`: `principal`, `none`
 * (no credential of its kind, or a wrong one) or a recorded error (a refusal, a store down). Only wrapped when
 * tracing is on, so the chain is untouched otherwise.
 */
function tracedResolver(tracer: Tracer, name: string, resolve: AuthResolver): AuthResolver {
  const spanName = `auth.${name}`;
  return (c) =>
    traced(tracer, spanName, { 'lift.auth.resolver': name }, () => {
      const found = resolve(c);
      const span = tracer.active();
      const outcome = (principal: Principal | null) => {
        span?.setAttribute('lift.auth.outcome', principal === null ? 'none' : 'principal');
        return principal;
      };
      return found instanceof Promise ? found.then(outcome) : outcome(found);
    });
}

function chainOf(c: HonoContext): Authenticator {
  const authenticator = requestScope(c).authenticator;
  if (authenticator === undefined) {
    throw new LiftConfigError('requireAuth()/optionalAuth() used outside a Lift app (no authenticator).');
  }
  return authenticator;
}

/** Refuses the request with 401 `LIFT_UNAUTHENTICATED` unless a resolver finds a principal. */
export function requireAuth(): Middleware {
  return describeMiddleware(
    guardMiddleware(function requireAuthGuard(c) {
      const principal = chainOf(c).authenticate(c);
      if (principal instanceof Promise) return principal.then(refuseAnonymous);
      refuseAnonymous(principal);
    }),
    { kind: 'auth', required: true },
  );
}

function refuseAnonymous(principal: Principal | null): void {
  if (principal === null) throw new UnauthenticatedError();
}

/** Resolves the principal when there is one; anonymous requests go on with `ctx.principal === null`. */
export function optionalAuth(): Middleware {
  return describeMiddleware(
    guardMiddleware(function optionalAuthGuard(c) {
      const principal = chainOf(c).authenticate(c);
      if (principal instanceof Promise) return principal.then(() => undefined);
    }),
    { kind: 'auth', required: false },
  );
}

/**
 * For handlers (`principalOf(ctx)`) and middleware (`principalOf(c)`): the principal, or a 401 when the route
 * forgot `requireAuth()`.
 */
export function principalOf(c: Context | HonoContext): Principal {
  const principal = c instanceof Context ? c.principal : c.get('principal');
  if (!principal) throw new UnauthenticatedError();
  return principal;
}
