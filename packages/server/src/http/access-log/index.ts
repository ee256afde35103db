import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import { LiftConfigError, LiftError } from '../../core/errors.ts';
import {
  createRedactor,
  escapeLineBreakers,
  lineWriter,
  PRE_REDACTED,
  REDACTED,
  type Redactor,
} from '../../core/logger.ts';
import { requestHeader } from '../../core/request-headers.ts';
import { requestLogBase } from '../../core/request-log.ts';
import { requestScope } from '../../core/request-scope.ts';
import { responseHeader } from '../../core/response-headers.ts';
import { type PipelineStage, stageMiddleware } from '../../core/stage.ts';

export interface AccessLogOptions {
  /**
   * Logger used when the request has no `c.var.log` (no requestId middleware before this one). Default: none, and
   * a request without either fails with LiftConfigError, since a silently missing access log is worse.
   */
  logger?: Logger;
  /** Extra query field names to redact (config `http.accessLog.redactFields`), on top of the logger's rules. Default `[]`. */
  redactFields?: readonly string[];
  /** Source of time for `duration_ms`. Default: the system clock. */
  clock?: Clock;
}

/**
 * Writes one JSON line per request once the handler (or error renderer) has produced the response: method, route
 * template, path (segments under sensitive parameter names such as `:token` redacted), redacted query, status,
 * duration, request id, trace id, principal id, tenant, client IP, user agent and byte counts when known. 5xx
 * responses are logged at `error`, the rest at `info`. Request headers other than User-Agent are never logged.
 *
 * `duration_ms` is the time until the response was ready, not until a streamed body finished.
 */
export function accessLog(options: AccessLogOptions = {}): MiddlewareHandler {
  return stageMiddleware(accessLogStage(options));
}

/**
 * The access log as a pipeline stage (see core/stage.ts); its `after` must run last. Built to cost next to
 * nothing: the line goes to the base logger with `request_id` in the entry (no child logger per request), the
 * query is redacted by key rules compiled once with cached decisions, and the entry is marked as redacted so the
 * logger does not walk it again.
 */
export function accessLogStage(options: AccessLogOptions = {}): PipelineStage {
  const redactor = createRedactor(options.redactFields ?? []);
  const paths = new PathRedaction(redactor);
  const clock = options.clock ?? systemClock;
  const loggerOf = (c: Context): Logger => {
    const log = requestLogBase(c) ?? options.logger;
    if (log === undefined) {
      throw new LiftConfigError('accessLog() needs requestId() before it or a logger option.');
    }
    return log;
  };

  return {
    before(c) {
      // Nothing to write at this level (not even errors): skip the bookkeeping too.
      if (loggerOf(c).isLevelEnabled('error')) requestScope(c).startedAt = clock.now();
      return undefined;
    },
    // Hono turns errors thrown further in into a response before this runs, so it sees every outcome.
    after(c) {
      const started = requestScope(c).startedAt;
      if (started === undefined) return;
      const status = requestScope(c).sentStatus ?? c.res.status;
      const level = status >= 500 ? 'error' : 'info';
      const log = loggerOf(c);
      if (!log.isLevelEnabled(level)) return;
      const url = c.req.url;
      const queryStart = url.indexOf('?');
      const query = queryStart === -1 ? '' : redactor.redactUrl(url.slice(queryStart)).slice(1);
      const scope = requestScope(c);
      const route = scope.routeTemplate;
      const principal = c.get('principal');
      const entry: AccessEntry = {
        method: c.req.method,
        route,
        path: route === undefined ? c.req.path : paths.redact(c.req.path, route),
        query: query === '' ? undefined : query,
        status,
        duration_ms: clock.now() - started,
        // A bound child logger already carries request_id; the base logger gets it in the entry.
        request_id: log === c.get('log') ? undefined : c.get('requestId'),
        trace_id: scope.traceId,
        // The subject's id (a user id, an API key id), never an email or a credential.
        principal_id: principal?.id,
        tenant: scope.tenantId ?? principal?.tenantId,
        client_ip: c.get('clientIp'),
        user_agent: requestHeader(c, 'user-agent'),
        bytes_in: byteCount(requestHeader(c, 'content-length')),
        bytes_out: byteCount(responseHeader(c, 'content-length')),
        error_code: c.error instanceof LiftError ? c.error.code : undefined,
      };
      const write = lineWriter(log);
      if (write !== undefined) write(level, serialise(entry), 'request completed');
      else log[level]({ [PRE_REDACTED]: true, ...entry }, 'request completed');
    },
  };
}

interface AccessEntry {
  method: string;
  route: string | undefined;
  path: string;
  query: string | undefined;
  status: number;
  duration_ms: number;
  request_id: string | undefined;
  trace_id: string | undefined;
  principal_id: string | undefined;
  tenant: string | undefined;
  client_ip: string | undefined;
  user_agent: string | undefined;
  bytes_in: number | undefined;
  bytes_out: number | undefined;
  error_code: string | undefined;
}

/**
 * The entry as `,"key":value…`, in key order, leaving out what is undefined (as pino does). `JSON.stringify`
 * escapes quotes, CR, LF and every other control character, and lone surrogates, so a client's string cannot
 * end the line or the field. U+2028 and U+2029, which some viewers break lines on, are escaped too: only the
 * decoded path can carry them from a client, so the finished string is checked once (~0.1 µs) rather than
 * each value (~0.65 µs).
 */
function serialise(entry: AccessEntry): string {
  let out = '';
  for (const key in entry) {
    const value = entry[key as keyof AccessEntry];
    if (value === undefined) continue;
    out += `,"${key}":${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
  }
  return LINE_SEPARATOR.test(out) ? escapeLineBreakers(out) : out;
}

const LINE_SEPARATOR = /[\u2028\u2029]/;

/**
 * Which path segments of each route template must not be logged: those under a parameter whose name the
 * redaction rules call sensitive (`/verify/:token`, `/keys/:key`). Decided once per template (templates are
 * the app's routes, a bounded set); routes without one log their path as it is, at no cost.
 */
class PathRedaction {
  readonly #plans = new Map<string, readonly number[] | null>();

  constructor(private readonly redactor: Redactor) {}

  redact(path: string, template: string): string {
    let plan = this.#plans.get(template);
    if (plan === undefined) {
      plan = this.#plan(template);
      this.#plans.set(template, plan);
    }
    if (plan === null) return path;
    if (plan.length === 0) return template;
    const segments = path.split('/');
    // A parameter pattern spanning slashes shifts the segments: log the template, which is safe.
    if (segments.length !== template.split('/').length) return template;
    for (const index of plan) segments[index] = REDACTED;
    return segments.join('/');
  }

  /** Indexes of the sensitive segments; `null` when there are none; `[]` when they cannot be located. */
  #plan(template: string): readonly number[] | null {
    const segments = template.split('/');
    const sensitive: number[] = [];
    let wildcard = false;
    segments.forEach((segment, index) => {
      if (segment.includes('*')) wildcard = true;
      const name = /^:([^{?]+)/.exec(segment)?.[1];
      if (name !== undefined && this.redactor.isSensitiveKey(name)) sensitive.push(index);
    });
    if (sensitive.length === 0) return null;
    return wildcard ? [] : sensitive;
  }
}

function byteCount(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}
