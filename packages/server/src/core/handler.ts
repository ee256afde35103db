import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context as HonoContext } from 'hono';
import type { z } from 'zod';
import { Context } from './context.ts';
import { type FieldIssue, LiftConfigError, LiftError, ValidationError } from './errors.ts';
import { requestScope } from './request-scope.ts';
import { checkedResponses } from './response-check.ts';
import { liftResponse } from './response-headers.ts';

/**
 * The five handler forms a route accepts. `compileHandler` decides the form **at registration** and throws a
 * `LiftConfigError` naming method, path and the problem for anything else, so a bad handler never crashes a
 * request.
 */

export type HandlerResult = unknown;

/** 1. `(ctx) => value | Response`: a value becomes 200 JSON, `undefined` becomes 204. */
export type ContextHandler = (ctx: Context) => HandlerResult | Promise<HandlerResult>;

export interface InputSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ParsedInput<I extends InputSchemas> {
  body: Parsed<I['body']>;
  query: Parsed<I['query']>;
  params: Parsed<I['params']>;
}

/** A response whose body is not JSON (an HTML page): its media type and what it shows. */
export interface NonJsonBody {
  readonly mediaType: string;
  readonly description: string;
}

/** A `text/html` page, for `responses` (`{ 200: htmlPage('The sign-in form') }`). */
export function htmlPage(description: string): NonJsonBody {
  return { mediaType: 'text/html', description };
}

/** One body a status may carry: a zod schema of the JSON body, or a non-JSON one (`htmlPage(...)`). */
export type ResponseBody = z.ZodType | NonJsonBody;

/**
 * Response bodies by status: a body, `null` for a status without one (`{ 204: null }`), or the bodies of a
 * negotiated answer, one per media type (`{ 200: [loginBody, htmlPage('…')] }`). They describe the route in
 * the OpenAPI document and, outside production, are checked against what the handler answers
 * (core/response-check.ts).
 */
export type ResponseSchemas = { [status: number]: ResponseBody | readonly ResponseBody[] | null };

/** What a typed handler with an `output` schema may return: that body, a Response, or nothing (204). */
type Returned<O> = O extends z.ZodType ? z.input<O> | Response | undefined : HandlerResult;

/**
 * 2. Typed: zod schemas validate the input before the handler runs; failures are a 400 listing each field.
 * `output` (the 200 JSON body), `responses`, `summary` and `description` describe the route in the OpenAPI
 * document; `output` also types what the handler returns. A route without input declares just its responses
 * (`{ responses, handler }`). Outside production the answer is checked against `output` and `responses`.
 */
export interface TypedHandler<
  I extends InputSchemas = InputSchemas,
  O extends z.ZodType | undefined = undefined,
> {
  input?: I;
  output?: O;
  responses?: ResponseSchemas;
  summary?: string;
  description?: string;
  handler: (ctx: Context, input: ParsedInput<I>) => Returned<O> | Promise<Returned<O>>;
}

/** 3. Fetch style: a Web-standard `(request) => Response`, wrapped with `fetchHandler()` or any `{ fetch }`. */
export interface FetchHandler {
  fetch: (request: Request) => Response | Promise<Response>;
}

/** 4. Node style `(req, res) => void` (Node server only). Functions of two parameters are taken as this form. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** 5. An object with `handle(ctx)`, for handlers that carry their own dependencies. */
export interface HandleObject {
  handle(ctx: Context): HandlerResult | Promise<HandlerResult>;
}

export type Handler<I extends InputSchemas = InputSchemas> =
  | ContextHandler
  | TypedHandler<I>
  | FetchHandler
  | NodeHandler
  | HandleObject;

const NODE_HANDLER = Symbol('lift.nodeHandler');

/** Marks a function as a Web-standard fetch handler. */
export function fetchHandler(fetch: (request: Request) => Response | Promise<Response>): FetchHandler {
  return { fetch };
}

/** Marks a function as a Node-style handler explicitly (a two-parameter function is detected without it). */
export function nodeHandler(handler: NodeHandler): NodeHandler {
  return Object.assign(handler, { [NODE_HANDLER]: true });
}

export type Runtime = 'node' | 'fetch';

export interface RouteDescription {
  method: string;
  path: string;
  runtime: Runtime;
  /** Check a typed handler's answers against its declared responses (outside production). */
  checkResponses?: boolean;
}

export type Compiled = (c: HonoContext) => Response | Promise<Response>;

const SCHEMA_KEYS = new Set(['body', 'query', 'params']);
const FORMS =
  'supported forms: (ctx) => value, { input, handler(ctx, input) }, fetchHandler((request) => Response) or { fetch }, (req, res) => void (Node), { handle(ctx) }';

function fail(route: RouteDescription, problem: string): never {
  throw new LiftConfigError(`${route.method} ${route.path}: ${problem}; ${FORMS}.`);
}

function isZodSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === 'object' && value !== null && typeof (value as z.ZodType).safeParseAsync === 'function'
  );
}

/** Checks the handler's form and returns the function that serves it. */
export function compileHandler(route: RouteDescription, handler: unknown): Compiled {
  if (typeof handler === 'function') {
    const marked = (handler as { [NODE_HANDLER]?: boolean })[NODE_HANDLER] === true;
    if (marked || handler.length === 2) {
      if (route.runtime !== 'node')
        fail(route, `a Node-style (req, res) handler needs the Node runtime, not ${route.runtime}`);
      return serveNode(handler as NodeHandler);
    }
    if (handler.length > 2) fail(route, `the handler function takes ${handler.length} parameters`);
    return serveContext(handler as ContextHandler);
  }
  if (typeof handler !== 'object' || handler === null) {
    fail(route, `the handler is ${handler === null ? 'null' : typeof handler}, not a function or object`);
  }
  const candidate = handler as Record<string, unknown>;
  if ('handler' in candidate || 'input' in candidate) return compileTyped(route, candidate);
  if (typeof candidate.fetch === 'function') return serveFetch(candidate as unknown as FetchHandler);
  if (typeof candidate.handle === 'function') {
    const target = candidate as unknown as HandleObject;
    return serveContext((ctx) => target.handle(ctx));
  }
  return fail(route, 'the handler object has no handler, fetch or handle function');
}

function compileTyped(route: RouteDescription, candidate: Record<string, unknown>): Compiled {
  const { input = {}, handler } = candidate;
  if (typeof handler !== 'function') fail(route, 'a typed handler needs a handler(ctx, input) function');
  if (typeof input !== 'object' || input === null) fail(route, 'input is not an object');
  for (const [key, schema] of Object.entries(input)) {
    if (!SCHEMA_KEYS.has(key)) fail(route, `input.${key} is not one of body, query, params`);
    if (schema !== undefined && !isZodSchema(schema)) fail(route, `input.${key} is not a zod schema`);
  }
  const responses = responseSchemas(route, candidate);
  const schemas = input as InputSchemas;
  const typed = handler as TypedHandler['handler'];
  const serve = serveContext(async (ctx) => typed(ctx, await parseInput(ctx, schemas)));
  if (route.checkResponses !== true || Object.keys(responses).length === 0) return serve;
  return checkedResponses(route, responses, serve);
}

/** The declared responses by status (`output` is the 200 one), each checked to be a schema, page or null. */
function responseSchemas(route: RouteDescription, candidate: Record<string, unknown>): ResponseSchemas {
  const { output, responses = {} } = candidate;
  if (output !== undefined && !isZodSchema(output)) fail(route, 'output is not a zod schema');
  if (typeof responses !== 'object' || responses === null) fail(route, 'responses is not an object');
  for (const [status, declared] of Object.entries(responses)) {
    if (!/^[1-5]\d\d$/.test(status)) fail(route, `responses.${status} is not an HTTP status`);
    if (declared === null) continue;
    const bodies: unknown[] = Array.isArray(declared) ? declared : [declared];
    if (bodies.length === 0 || !bodies.every((body) => isZodSchema(body) || isNonJsonBody(body)))
      fail(route, `responses.${status} is not a zod schema, htmlPage(), a list of them or null`);
  }
  return output === undefined ? (responses as ResponseSchemas) : { 200: output, ...responses };
}

function isNonJsonBody(value: unknown): value is NonJsonBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NonJsonBody).mediaType === 'string' &&
    typeof (value as NonJsonBody).description === 'string'
  );
}

async function parseInput(ctx: Context, schemas: InputSchemas): Promise<ParsedInput<InputSchemas>> {
  const issues: FieldIssue[] = [];
  const check = async (
    location: FieldIssue['location'],
    schema: z.ZodType | undefined,
    value: () => unknown,
  ) => {
    if (schema === undefined) return undefined;
    const result = await schema.safeParseAsync(await value());
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      issues.push({
        location,
        path: issue.path.map(String).join('.'),
        message: issue.message,
        code: issue.code,
      });
    }
    return undefined;
  };
  const params = await check('params', schemas.params, () => ctx.params);
  const query = await check('query', schemas.query, () => ctx.query);
  const body = await check('body', schemas.body, () => ctx.body());
  if (issues.length > 0) throw new ValidationError(issues);
  return { body, query, params } as ParsedInput<InputSchemas>;
}

/**
 * Synchronous first: a handler that returns a value gets its response built at once, without a Promise (so
 * @hono/node-server can write it synchronously); only a handler that returns a thenable is awaited.
 */
function serveContext(handler: ContextHandler): Compiled {
  return (c) => {
    const ctx = contextOf(c);
    const result = handler(ctx);
    if (isThenable(result)) return Promise.resolve(result).then((value) => toResponse(value, ctx));
    return toResponse(result, ctx);
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as PromiseLike<unknown>).then === 'function')
  );
}

/** One Lift Context per request, shared by group middleware and the handler. */
export function contextOf(c: HonoContext): Context {
  const scope = requestScope(c);
  scope.context ??= new Context(c);
  return scope.context as Context;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const JSON_HEADERS = { 'content-type': JSON_TYPE };

/**
 * Turns a handler's return value into the response: a string body and one plain header record (the pipeline's
 * pending headers, then the handler's), the shape @hono/node-server writes in one go.
 */
export function toResponse(result: HandlerResult, ctx: Context): Response {
  if (result instanceof Response) return result;
  const c = ctx.raw;
  const empty = result === undefined;
  const body = empty ? null : JSON.stringify(result);
  if (!ctx.hasResponseInit) return liftResponse(c, body, empty ? 204 : 200, empty ? undefined : JSON_HEADERS);
  const { status } = ctx.response;
  const code = empty && status === 200 ? 204 : status;
  if (!ctx.response.hasHeaders) return liftResponse(c, body, code, empty ? undefined : JSON_HEADERS);
  const own = ctx.response.headers;
  if (!empty && !own.has('content-type')) own.set('content-type', JSON_TYPE);
  if (own.getSetCookie().length > 0) return liftResponse(c, body, code, own);
  const headers: Record<string, string> = {};
  own.forEach((value, name) => {
    headers[name] = value;
  });
  return liftResponse(c, body, code, headers);
}

function serveFetch(target: FetchHandler): Compiled {
  return async (c) => {
    const response = await target.fetch(c.req.raw);
    if (!(response instanceof Response)) {
      throw new LiftError('LIFT_INTERNAL', 500, 'Internal server error', {
        detail: 'The fetch handler did not return a Response.',
      });
    }
    return response;
  };
}

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

function serveNode(handler: NodeHandler): Compiled {
  return async (c) => {
    const { incoming, outgoing } = (c.env ?? {}) as NodeBindings;
    if (incoming === undefined || outgoing === undefined) {
      throw new LiftError('LIFT_RUNTIME_MISMATCH', 500, 'Internal server error', {
        detail: 'This route has a Node-style handler and was called without a Node request.',
      });
    }
    // Node handlers own the raw response, so pass on what the pipeline decided so far.
    outgoing.setHeader('x-request-id', c.get('requestId'));
    const done = new Promise<void>((resolve) => {
      outgoing.once('finish', resolve);
      outgoing.once('close', resolve);
    });
    await handler(incoming, outgoing);
    await done;
    return RESPONSE_ALREADY_SENT;
  };
}
