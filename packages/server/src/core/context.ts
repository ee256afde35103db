import type { Context as HonoContext } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { UnsupportedMediaTypeError } from './errors.ts';
import {
  DEFAULT_MAX_JSON_DEPTH,
  parseJsonBody,
  parseMultipartBody,
  parseTextBody,
  parseUrlEncodedBody,
  readBodyBytes,
} from './request-body.ts';
import { requestLog } from './request-log.ts';
import { requestScope } from './request-scope.ts';
import type { Principal } from './request-state.ts';

/** A typed key for the per-request value bag: `const TenantKey = contextKey<Tenant>('tenant')`. */
export interface ContextKey<T> {
  readonly name: string;
  /** Phantom member carrying the value type; never set. */
  readonly __type?: T;
}

export function contextKey<T>(name: string): ContextKey<T> {
  return { name };
}

/** Per-request typed values shared between middleware and handlers. */
export class ValueBag {
  readonly #values = new Map<ContextKey<unknown>, unknown>();

  get<T>(key: ContextKey<T>): T | undefined {
    return this.#values.get(key) as T | undefined;
  }

  /** Like `get`, but a missing value is a programming error. */
  require<T>(key: ContextKey<T>): T {
    if (!this.#values.has(key)) throw new Error(`context value "${key.name}" was not set by any middleware`);
    return this.#values.get(key) as T;
  }

  set<T>(key: ContextKey<T>, value: T): void {
    this.#values.set(key, value);
  }

  has(key: ContextKey<unknown>): boolean {
    return this.#values.has(key);
  }
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Backing store of `ctx.values`, created on first use. */
    liftValues: ValueBag;
  }
}

/** Status and headers a handler wants on the response Lift builds from its return value. */
export class ResponseInit {
  status = 200;
  #headers: Headers | undefined;

  /** Created on first use: most handlers set none, and the response is cheaper to build without. */
  get headers(): Headers {
    this.#headers ??= new Headers();
    return this.#headers;
  }

  /** Whether any header was set. */
  get hasHeaders(): boolean {
    return this.#headers !== undefined;
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;
const URLENCODED_TYPE = /^application\/x-www-form-urlencoded\b/i;
const MULTIPART_TYPE = /^multipart\/form-data\b/i;
const TEXT_TYPE = /^text\//i;

/**
 * What a handler sees of a request. A thin view over Hono's context: nothing is parsed until asked for.
 */
export class Context {
  /** The underlying Hono context, for middleware interop. */
  readonly raw: HonoContext;
  /** Status and headers for the response built from the handler's return value. */
  #response: ResponseInit | undefined;
  #query: Record<string, string> | undefined;
  #url: URL | undefined;

  constructor(raw: HonoContext) {
    this.raw = raw;
  }

  /** Status and headers for the response built from the handler's return value. */
  get response(): ResponseInit {
    this.#response ??= new ResponseInit();
    return this.#response;
  }

  /** Whether the handler asked for a status or headers (else the response takes the defaults). */
  get hasResponseInit(): boolean {
    return this.#response !== undefined;
  }

  get request(): Request {
    return this.raw.req.raw;
  }

  get method(): string {
    return this.raw.req.method;
  }

  get path(): string {
    return this.raw.req.path;
  }

  get url(): URL {
    this.#url ??= new URL(this.raw.req.url);
    return this.#url;
  }

  /** Route parameters (`/notes/:id` → `{ id }`). */
  get params(): Record<string, string> {
    return this.raw.req.param() as Record<string, string>;
  }

  /** Query parameters; a repeated name keeps its first value (use `queryAll` for every value). */
  get query(): Record<string, string> {
    if (this.#query === undefined) {
      const query: Record<string, string> = {};
      for (const [name, value] of this.url.searchParams) if (!(name in query)) query[name] = value;
      this.#query = query;
    }
    return this.#query;
  }

  queryAll(name: string): string[] {
    return this.url.searchParams.getAll(name);
  }

  /** Request headers; `get()` is case-insensitive. */
  get headers(): Headers {
    return this.raw.req.raw.headers;
  }

  get cookies(): Record<string, string> {
    return getCookie(this.raw);
  }

  get requestId(): string {
    return this.raw.get('requestId');
  }

  get log(): Logger {
    const log = requestLog(this.raw);
    if (log === undefined) throw new Error('ctx.log needs the request id stage of the pipeline');
    return log;
  }

  /** Aborted when the request times out or the client goes away: pass it to slow work. */
  get signal(): AbortSignal {
    return this.raw.get('deadline')?.signal ?? this.raw.req.raw.signal;
  }

  get clientIp(): string {
    return this.raw.get('clientIp') ?? 'unknown';
  }

  /** Who is calling; null until an authentication resolver fills it. */
  get principal(): Principal | null {
    return this.raw.get('principal') ?? null;
  }

  get values(): ValueBag {
    let bag = this.raw.get('liftValues');
    if (bag === undefined) {
      bag = new ValueBag();
      this.raw.set('liftValues', bag);
    }
    return bag;
  }

  /**
   * The body parsed as JSON; 415 for another content type, 400 `LIFT_MALFORMED_BODY` for broken JSON, bytes that
   * are not UTF-8, a member named twice in one object, or nesting deeper than `http.bodyLimit.maxDepth`.
   */
  async json<T = unknown>(): Promise<T> {
    const type = this.headers.get('content-type') ?? '';
    if (!JSON_TYPE.test(type)) throw new UnsupportedMediaTypeError(type, ['application/json']);
    return parseJsonBody(await this.#bytes(), this.#maxJsonDepth()) as T;
  }

  /** The body as text, whatever its content type. */
  text(): Promise<string> {
    return this.raw.req.text();
  }

  /**
   * The body parsed by its content type: JSON → value, form (urlencoded or multipart) → record, text/* →
   * string, no body → undefined, anything else → bytes. A body that does not decode as its type says is 400
   * `LIFT_MALFORMED_BODY`.
   */
  async body(): Promise<unknown> {
    const type = this.headers.get('content-type') ?? '';
    if (JSON_TYPE.test(type)) return this.json();
    const bytes = await this.#bytes();
    if (URLENCODED_TYPE.test(type)) return parseUrlEncodedBody(bytes);
    if (MULTIPART_TYPE.test(type)) return parseMultipartBody(bytes, type);
    if (TEXT_TYPE.test(type)) return parseTextBody(bytes, type);
    return bytes.byteLength === 0 && type === '' ? undefined : bytes;
  }

  /** The raw body, read once (Hono caches it for `text()` and any later read). */
  #bytes(): Promise<Uint8Array> {
    return readBodyBytes(() => this.raw.req.arrayBuffer());
  }

  #maxJsonDepth(): number {
    return requestScope(this.raw).maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  }
}
