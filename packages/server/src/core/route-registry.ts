import type { z } from 'zod';
import type { InputSchemas, ResponseSchemas } from './handler.ts';
import type { HttpMethod, Middleware } from './routes.ts';

/**
 * What an app serves, as data: every route registered through a `RouteGroup` is recorded here at registration
 * (one array push, nothing per request), with its group's middleware and its handler. Describing a route —
 * its typed input and output, what its guards require — happens only when someone asks (the OpenAPI document,
 * `lift openapi`), so middleware a group adds after a route (`use()`) is seen as the route sees it.
 */

/** What a guard middleware requires of a request, declared by the guard's factory (`describeMiddleware`). */
export type MiddlewareFact =
  /** `requireAuth()` (`required: true`) or `optionalAuth()`. */
  | { kind: 'auth'; required: boolean }
  /** `requirePermission(permission)`; `global` when decided on global grants alone. */
  | { kind: 'permission'; permission: string; global: boolean }
  /** `requireTenantMember()`. */
  | { kind: 'tenantMember' }
  /** `requireRole(names)`. */
  | { kind: 'role'; roles: readonly string[] }
  /** `requireScope(...scopes)`: what a token must grant (a session passes). */
  | { kind: 'scope'; scopes: readonly string[] }
  /** `requireSignature()` (signing module): the components an RFC 9421 signature must cover. */
  | { kind: 'signature'; components: readonly string[] }
  /** `rateLimit()` (limits module): its policies as `RateLimit-Policy` items (`"burst";q=100;w=60`). */
  | { kind: 'rateLimit'; policies: readonly string[] }
  /** `idempotency()` (limits module): the methods an `Idempotency-Key` applies to. */
  | { kind: 'idempotency'; methods: readonly string[] };

const facts = new WeakMap<Middleware, MiddlewareFact>();

/** Records what `middleware` requires, for route descriptions; returns it unchanged. */
export function describeMiddleware<M extends Middleware>(middleware: M, fact: MiddlewareFact): M {
  facts.set(middleware, fact);
  return middleware;
}

/** What `middleware` was declared to require, or undefined for middleware that requires nothing known. */
export function middlewareFact(middleware: Middleware): MiddlewareFact | undefined {
  return facts.get(middleware);
}

/** One registration, as recorded: cheap to make, described on demand. */
export interface RouteRecord {
  method: HttpMethod;
  /** The full path template, Hono syntax (`/tenants/:tenantId/notes/:id`). */
  path: string;
  /** The group chain the route runs through (outermost group first); read when described. */
  chain: readonly (readonly Middleware[])[];
  handler: unknown;
}

/** A route as documentation sees it. */
export interface DescribedRoute {
  method: HttpMethod;
  path: string;
  /** The facts of its middleware, outermost first (auth before the guards that follow it). */
  guards: MiddlewareFact[];
  /** Which of the five handler forms it has; only `typed` carries schemas. */
  form: 'typed' | 'other';
  input: InputSchemas;
  /** Response bodies by status (`output` is the 200 one); `null` for a status without a body. */
  responses: ResponseSchemas;
  summary?: string;
  description?: string;
}

export class RouteRegistry {
  readonly #records: RouteRecord[] = [];

  add(record: RouteRecord): void {
    this.#records.push(record);
  }

  /** Every route, in registration order. */
  get records(): readonly RouteRecord[] {
    return this.#records;
  }

  /** Every route described (see `describeRoute`). */
  describe(): DescribedRoute[] {
    return this.#records.map(describeRoute);
  }
}

interface TypedShape {
  input?: InputSchemas;
  output?: z.ZodType;
  responses?: ResponseSchemas;
  summary?: string;
  description?: string;
}

function isTyped(handler: unknown): handler is TypedShape {
  return typeof handler === 'object' && handler !== null && ('handler' in handler || 'input' in handler);
}

export function describeRoute(record: RouteRecord): DescribedRoute {
  const guards: MiddlewareFact[] = [];
  for (const own of record.chain) {
    for (const middleware of own) {
      const fact = facts.get(middleware);
      if (fact !== undefined) guards.push(fact);
    }
  }
  const base = { method: record.method, path: record.path, guards };
  if (!isTyped(record.handler)) return { ...base, form: 'other', input: {}, responses: {} };
  const { input = {}, output, responses = {}, summary, description } = record.handler;
  return {
    ...base,
    form: 'typed',
    input,
    responses: output === undefined ? responses : { 200: output, ...responses },
    ...(summary === undefined ? {} : { summary }),
    ...(description === undefined ? {} : { description }),
  };
}
