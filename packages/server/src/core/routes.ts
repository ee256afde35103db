import type { Hono, Context as HonoContext, MiddlewareHandler } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import type { z } from 'zod';
import { MethodNotAllowedError, NotFoundError } from './errors.ts';
import { guardCheckOf } from './guard.ts';
import {
  type ContextHandler,
  compileHandler,
  type FetchHandler,
  type HandleObject,
  type InputSchemas,
  type NodeHandler,
  type Runtime,
  type TypedHandler,
} from './handler.ts';
import { problemBody, problemHeaders } from './problem.ts';
import { setResponse } from './request-scope.ts';
import { liftResponse } from './response-headers.ts';
import { RouteRegistry } from './route-registry.ts';

/**
 * Route registration: the `get/post/…/group/use` surface of a Lift app. Handlers are compiled (their form
 * checked) when registered; group middleware is scoped to the group's routes; a route table answers 404,
 * 405 (with `Allow`) and OPTIONS for every path.
 */

export type Middleware = MiddlewareHandler;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof METHODS)[number] | 'ALL';

function hasMiddleware(chain: readonly Middleware[][]): boolean {
  for (const own of chain) if (own.length > 0) return true;
  return false;
}

/** Which methods exist for which paths, independent of middleware. */
export class RouteTable {
  readonly #router = new TrieRouter<string>();
  #hasAll = false;

  add(method: HttpMethod, path: string): void {
    this.#router.add(method, path, method);
    if (method === 'ALL') this.#hasAll = true;
  }

  /** Methods a path answers to, including HEAD for GET and OPTIONS for any; empty when no route matches. */
  allowed(path: string): string[] {
    const found = new Set<string>();
    for (const method of METHODS) {
      const [matches] = this.#router.match(method, path);
      if (matches.length > 0) found.add(method);
    }
    if (this.#hasAll && found.size === METHODS.length) return [...METHODS];
    if (found.size === 0) return [];
    if (found.has('GET')) found.add('HEAD');
    found.add('OPTIONS');
    return METHODS.filter((method) => found.has(method));
  }
}

/** The not-found handler: 204 + Allow for OPTIONS, 405 + Allow for a known path, else 404. */
export function notFoundHandler(table: RouteTable) {
  return (c: HonoContext): Response => {
    const allow = table.allowed(c.req.path);
    if (allow.length > 0 && c.req.method === 'OPTIONS')
      return liftResponse(c, null, 204, { allow: allow.join(', ') });
    const error = allow.length === 0 ? new NotFoundError() : new MethodNotAllowedError(c.req.method, allow);
    const body = JSON.stringify(problemBody(error, c.get('requestId'), c.req.path));
    return liftResponse(c, body, error.status, problemHeaders(error));
  };
}

/**
 * One registration method. Overloads rather than a union, so `(ctx) => …` and `(req, res) => …` are each
 * typed from their own form.
 */
export interface RouteMethod<T> {
  (path: string, handler: ContextHandler): T;
  <I extends InputSchemas, O extends z.ZodType | undefined = undefined>(
    path: string,
    handler: TypedHandler<I, O>,
  ): T;
  (path: string, handler: FetchHandler | HandleObject | NodeHandler): T;
}

/** What serves one route: synchronous when the handler is, a Promise only when something awaits. */
export type RouteRun = (c: HonoContext) => Response | Promise<Response>;

/**
 * Wraps a route's handler (with its group middleware) in the request pipeline, once per route: the result is
 * the route's only Hono handler (app/pipeline.ts). Without a pipeline the route is served as is.
 */
export type RouteCompiler = (run: RouteRun, route?: { method: HttpMethod; path: string }) => RouteRun;

export interface RouterShared {
  hono: Hono;
  table: RouteTable;
  runtime: Runtime;
  /** Every route registered, for documentation (core/route-registry.ts); made by the root group. */
  registry?: RouteRegistry;
  /** Bumped by every `use()`, so routes know to recompose their middleware chain. */
  version: number;
  /** The pipeline every route is compiled into; set by the app once its stages exist. */
  compile: RouteCompiler;
  /**
   * Check typed handlers' answers against their declared responses (core/response-check.ts): the app sets it
   * outside production, where tests and development run.
   */
  checkResponses: boolean;
}

/** The state a Lift app's groups share; routes are served as is until the app sets `compile`. */
export function routerShared(hono: Hono, runtime: Runtime, checkResponses = false): RouterShared {
  return { hono, table: new RouteTable(), runtime, version: 0, compile: (run) => run, checkResponses };
}

type Step = (c: HonoContext) => void | Promise<void>;

/**
 * Composes middleware around a compiled handler once, Koa style: each middleware gets `next`, and one that
 * returns a Response short-circuits the rest. Guards (`guardMiddleware`) are composed by their check, so a
 * route whose guards and handler all answer synchronously is served without a Promise.
 */
function composeRoute(middleware: readonly Middleware[], serve: RouteRun): RouteRun {
  let next: Step = (c) => {
    const result = serve(c);
    if (result instanceof Promise) return result.then((response) => setResponse(c, response));
    setResponse(c, result);
  };
  for (let i = middleware.length - 1; i >= 0; i--) {
    const current = middleware[i]!;
    const inner = next;
    const check = guardCheckOf(current);
    next =
      check === undefined
        ? async (c) => {
            const result = await current(c, async () => {
              await inner(c);
            });
            if (result instanceof Response) setResponse(c, result);
          }
        : (c) => {
            const checked = check(c);
            return checked instanceof Promise ? checked.then(() => inner(c)) : inner(c);
          };
  }
  const first = next;
  return (c) => {
    const done = first(c);
    return done instanceof Promise ? done.then(() => c.res) : c.res;
  };
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') || '/' : joined;
}

/**
 * A set of routes sharing a path prefix and middleware. The app itself is the root group. Middleware added
 * with `use()` applies to every route of this group (and its sub-groups), also to routes registered earlier.
 */
export class RouteGroup {
  readonly prefix: string;
  readonly #shared: RouterShared;
  readonly #chain: Middleware[][];
  readonly #own: Middleware[];
  readonly #registry: RouteRegistry;

  /** @internal — create groups with `app.group()`. */
  constructor(shared: RouterShared, prefix: string, parentChain: Middleware[][], middleware: Middleware[]) {
    this.#shared = shared;
    this.#registry = shared.registry ??= new RouteRegistry();
    this.prefix = prefix;
    this.#own = [...middleware];
    this.#chain = [...parentChain, this.#own];
  }

  readonly get: RouteMethod<this> = (path: string, handler: unknown) => this.#register('GET', path, handler);
  readonly post: RouteMethod<this> = (path: string, handler: unknown) =>
    this.#register('POST', path, handler);
  readonly put: RouteMethod<this> = (path: string, handler: unknown) => this.#register('PUT', path, handler);
  readonly patch: RouteMethod<this> = (path: string, handler: unknown) =>
    this.#register('PATCH', path, handler);
  readonly delete: RouteMethod<this> = (path: string, handler: unknown) =>
    this.#register('DELETE', path, handler);
  /** Every method on one path. */
  readonly all: RouteMethod<this> = (path: string, handler: unknown) => this.#register('ALL', path, handler);

  /** Registers `handler` for `method` on `path` (relative to the group's prefix); the form is checked now. */
  on(method: HttpMethod, path: string, handler: ContextHandler): this;
  on<I extends InputSchemas, O extends z.ZodType | undefined = undefined>(
    method: HttpMethod,
    path: string,
    handler: TypedHandler<I, O>,
  ): this;
  on(method: HttpMethod, path: string, handler: FetchHandler | HandleObject | NodeHandler): this;
  on(method: HttpMethod, path: string, handler: unknown): this {
    return this.#register(method, path, handler);
  }

  #register(method: HttpMethod, path: string, handler: unknown): this {
    const fullPath = joinPath(this.prefix, path);
    const { runtime, checkResponses } = this.#shared;
    const serve = compileHandler({ method, path: fullPath, runtime, checkResponses }, handler);
    const chain = this.#chain;
    const shared = this.#shared;
    this.#shared.table.add(method, fullPath);
    this.#registry.add({ method, path: fullPath, chain, handler });
    // One function per route: pipeline, group middleware and handler, composed now. Group middleware may be
    // added after this route: the function is recompiled when `use()` changed any group, and otherwise reused.
    const build = (): RouteRun =>
      shared.compile(hasMiddleware(chain) ? composeRoute(chain.flat(), serve) : serve, {
        method,
        path: fullPath,
      });
    let builtFor = shared.version;
    let run = build();
    this.#shared.hono.on(method, fullPath, (c) => {
      if (builtFor !== shared.version) {
        run = build();
        builtFor = shared.version;
      }
      return run(c);
    });
    return this;
  }

  /** Every route of the app (all groups), in registration order: what the OpenAPI document describes. */
  get routes(): RouteRegistry {
    return this.#registry;
  }

  /** Adds middleware for this group's routes only. */
  use(...middleware: Middleware[]): this {
    this.#own.push(...middleware);
    this.#shared.version += 1;
    return this;
  }

  /** A sub-group under `prefix` whose middleware applies to its routes only. */
  group(prefix: string, ...middleware: Middleware[]): RouteGroup {
    return new RouteGroup(this.#shared, joinPath(this.prefix, prefix), this.#chain, middleware);
  }
}
