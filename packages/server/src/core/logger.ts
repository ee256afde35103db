import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Lift's logger: pino writing JSON lines, with redaction built into the logger itself (DESIGN §2 rule 6), so no
 * call site can forget it. Every logged object and every child binding is walked; any value under a sensitive key
 * becomes `"[REDACTED]"`. The walk is copy-on-write: when nothing matches, the caller's object is logged as is.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface CreateLoggerOptions {
  /** Minimum level (config key `log.level`). */
  level: LogLevel;
  /**
   * Where lines go. Default: stdout through a buffered asynchronous writer (`pino.destination({ sync: false })`):
   * lines written while a write is in flight are joined into the next one, and whatever is buffered is written
   * synchronously when the process exits — `process.exit()`, the end of the event loop, or a crash
   * (pino registers that flush) — and by `app.close()` (`flushLogger`).
   */
  destination?: DestinationStream;
  /** Extra key names to redact, compared case-insensitively, on top of the built-in rules. Default: none. */
  redactKeys?: readonly string[];
  /**
   * Join the fixed-shape lines (the access log, `lineWriter`) of up to 10 ms into one write to the
   * destination. Default: on for the default stdout destination, off for a given one (a test reading its capture
   * right after a request sees the line at once).
   */
  batchLines?: boolean;
}

export const REDACTED = '[REDACTED]';

/**
 * Marks a log entry whose fields were redacted when it was built (the access log: fixed keys, the query redacted
 * by the same key rules), so the logger does not walk it again. Internal: a symbol key is never serialised.
 */
export const PRE_REDACTED: unique symbol = Symbol('lift.logEntryRedacted');

/** How deep the walk goes; anything deeper is replaced, since it cannot be checked. */
const MAX_DEPTH = 8;
const TRUNCATED = '[Truncated]';
const CIRCULAR = '[Circular]';

/** Keys redacted whatever else they contain. */
const EXACT_KEYS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
/** Fragments that make a key sensitive wherever they occur in it (`newPassword`, `apikey`, `client_secret`). */
const SENSITIVE_FRAGMENTS = /password|passwd|passphrase|secret|token|apikey|cookie|credential/;
/** Whole words that make a key sensitive (`recovery_code`, `x-api-key`, `otp`), but not `monkey` or `encode`. */
const SENSITIVE_WORDS = new Set(['key', 'keys', 'code', 'codes', 'otp', 'pwd', 'pass']);
/** Keys that contain a sensitive word but name well-known non-secret values. */
const SAFE_KEYS = new Set(['status_code', 'error_code', 'exit_code']);

/** Decisions are cached per key; the cache is bounded because query parameter names come from clients. */
const DECISION_CACHE_LIMIT = 2_000;

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

function builtInSensitive(key: string): boolean {
  const lower = key.toLowerCase();
  if (EXACT_KEYS.has(lower)) return true;
  const words = keyWords(key);
  if (SAFE_KEYS.has(words.join('_'))) return false;
  if (SENSITIVE_FRAGMENTS.test(lower)) return true;
  return words.some((word) => SENSITIVE_WORDS.has(word));
}

/** Redaction rules: the built-in ones plus extra key names. */
export interface Redactor {
  /** Whether a value under this key must not be logged. */
  isSensitiveKey(key: string): boolean;
  /** `value` with every sensitive key's value replaced, at any depth; the same reference when nothing matched. */
  redact<T>(value: T): T;
  /** A URL or path with the values of sensitive query parameters replaced. */
  redactUrl(url: string): string;
}

export function createRedactor(extraKeys: readonly string[] = []): Redactor {
  const rules = new RedactionRules(extraKeys);
  return {
    isSensitiveKey: (key) => rules.isSensitiveKey(key),
    redact: <T>(value: T): T => rules.walk(value, 0, new Set()) as T,
    redactUrl: (url) => rules.redactUrl(url),
  };
}

/** The built-in rules plus extra keys, with a bounded cache of per-key decisions. */
class RedactionRules {
  readonly #extra: Set<string>;
  readonly #decisions = new Map<string, boolean>();

  constructor(extraKeys: readonly string[]) {
    this.#extra = new Set(extraKeys.map((key) => key.toLowerCase()));
  }

  isSensitiveKey(key: string): boolean {
    const known = this.#decisions.get(key);
    if (known !== undefined) return known;
    const decision = this.#extra.has(key.toLowerCase()) || builtInSensitive(key);
    if (this.#decisions.size >= DECISION_CACHE_LIMIT) this.#decisions.clear();
    this.#decisions.set(key, decision);
    return decision;
  }

  redactUrl(url: string): string {
    const queryStart = url.indexOf('?');
    if (queryStart === -1) return url;
    const hashStart = url.indexOf('#', queryStart);
    const queryEnd = hashStart === -1 ? url.length : hashStart;
    const query = redactQuery(url.slice(queryStart + 1, queryEnd), (key) => this.isSensitiveKey(key));
    if (query === null) return url;
    return `${url.slice(0, queryStart + 1)}${query}${url.slice(queryEnd)}`;
  }

  walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof URL) {
      const href = this.redactUrl(value.href);
      return href === value.href ? value : href;
    }
    // Dates, Buffers and the like serialise themselves and hold no keys.
    if (!Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
    if (ancestors.has(value)) return CIRCULAR;
    if (depth >= MAX_DEPTH) return TRUNCATED;
    ancestors.add(value);
    try {
      return Array.isArray(value)
        ? this.#walkArray(value, depth, ancestors)
        : this.#walkObject(value, depth, ancestors);
    } finally {
      ancestors.delete(value);
    }
  }

  #walkArray(array: unknown[], depth: number, ancestors: Set<object>): unknown[] {
    let copy: unknown[] | undefined;
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      const next = this.walk(item, depth + 1, ancestors);
      if (next !== item) {
        copy ??= array.slice();
        copy[i] = next;
      }
    }
    return copy ?? array;
  }

  #walkObject(object: object, depth: number, ancestors: Set<object>): object {
    const isError = object instanceof Error;
    const record = object as Record<string, unknown>;
    let changes: Map<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
      const item = record[key];
      // An Error's `code` is its stable error code (LIFT_…, ECONNRESET), which logs need.
      const next =
        this.isSensitiveKey(key) && !(isError && key === 'code')
          ? REDACTED
          : this.walk(item, depth + 1, ancestors);
      if (next !== item) {
        changes ??= new Map();
        changes.set(key, next);
      }
    }
    let cause: unknown;
    if (isError && object.cause !== undefined) {
      cause = this.walk(object.cause, depth + 1, ancestors);
      if (cause !== object.cause) changes ??= new Map();
    }
    if (changes === undefined) return object;
    const copy: Record<string, unknown> = isError ? copyError(object) : {};
    for (const key of Object.keys(record)) copy[key] = changes.has(key) ? changes.get(key) : record[key];
    if (isError && object.cause !== undefined) copy.cause = cause;
    return copy;
  }
}

/** An Error of the same class with the same message and stack, so pino's error serialiser still recognises it. */
function copyError(error: Error): Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Record<string, unknown>;
  Object.defineProperty(copy, 'message', { value: error.message, writable: true, configurable: true });
  Object.defineProperty(copy, 'stack', { value: error.stack, writable: true, configurable: true });
  return copy;
}

/** The redacted query string (without `?`), or `null` when nothing in it is sensitive. */
function redactQuery(query: string, isSensitiveKey: (key: string) => boolean): string | null {
  let changed = false;
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    if (!isSensitiveKey(decodeQueryKey(rawKey))) return part;
    changed = true;
    return `${rawKey}=${REDACTED}`;
  });
  return changed ? parts.join('&') : null;
}

function decodeQueryKey(rawKey: string): string {
  const spaced = rawKey.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

const defaultRedactor = createRedactor();

/** Redacts sensitive query parameters (`?access_token=…`, `?code=…`) in a URL or path, by the built-in rules. */
export function redactUrl(url: string): string {
  return defaultRedactor.redactUrl(url);
}

/** Deep-redacts a value by the built-in rules; the same reference when nothing matched. */
export function redact<T>(value: T): T {
  return defaultRedactor.redact(value);
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const redactor = options.redactKeys?.length ? createRedactor(options.redactKeys) : defaultRedactor;
  const pinoOptions: LoggerOptions = {
    level: options.level,
    // Epoch milliseconds: formatting an ISO date costs more than the rest of an access line.
    timestamp: pino.stdTimeFunctions.epochTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) =>
        (object as { [PRE_REDACTED]?: true })[PRE_REDACTED] ? object : redactor.redact(object),
    },
    hooks: { streamWrite: escapeLineBreakers },
  };
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  if (options.batchLines ?? options.destination === undefined) {
    (destination as unknown as Record<symbol, boolean>)[BATCHED] = true;
  }
  const logger = pino(pinoOptions, destination);
  (logger as unknown as Record<symbol, boolean>)[LIFT_FORMAT] = true;
  // pino applies `formatters.bindings` only to the root's bindings, so child bindings are redacted here. Children
  // are created with Object.create(parent), so they inherit this override at every level.
  const pinoChild = logger.child;
  logger.child = function redactingChild(this: Logger, bindings, childOptions) {
    return pinoChild.call(this, redactor.redact(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/** Line and paragraph separators, and UTF-16 surrogates without their other half. */
const LINE_BREAKERS = /[\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LINE_BREAKERS_ALL = new RegExp(LINE_BREAKERS.source, 'g');

/**
 * pino escapes quotes, backslashes and control characters (CR, LF) in strings, but writes U+2028/U+2029 and lone
 * surrogates as they are: the first are valid JSON that some log viewers still break lines on, the second turn
 * into U+FFFD when the line is encoded as UTF-8. Both can only occur inside a JSON string, so replacing them
 * with their `\uXXXX` escape anywhere in a line keeps it the same JSON, now ASCII-safe.
 */
export function escapeLineBreakers(line: string): string {
  if (!LINE_BREAKERS.test(line)) return line;
  return line.replace(LINE_BREAKERS_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const LIFT_FORMAT = Symbol('lift.lineFormat');
/** Marks a destination whose fixed-shape lines are joined for up to 10 ms (`batchLines`). */
const BATCHED = Symbol('lift.batchedLines');
const { streamSym, chindingsSym, needsMetadataGsym } = pino.symbols;

/** A destination stream as pino holds it. */
interface LineStream {
  write(line: string): unknown;
  flushSync?: () => void;
  [key: symbol]: unknown;
}

/** How long batched lines may wait before they are written, and how much may wait before it is written at once. */
const BATCH_MS = 10;
const BATCH_MAX_CHARS = 64 * 1024;

/**
 * Lines of up to `BATCH_MS`, joined and handed to the destination in one write. Each write costs a thread-pool
 * write(2), tens of µs of CPU on a virtual machine, whatever its size: one per request was the largest cost of
 * a WebSocket handshake after the signature check (`bench/realtime.ts`), one per event-loop turn still one per
 * request under load. Waiting 10 ms makes it one per 10 ms. What is pending when the process exits (a crash,
 * `process.exit()`) is written synchronously, and `flushLogger` (`app.close()`) writes it first.
 */
class LineBatch {
  #pending = '';
  #timer: NodeJS.Timeout | undefined;
  readonly #flush = () => this.flush();

  constructor(readonly stream: LineStream) {}

  write(line: string): void {
    if (this.#pending === '') {
      this.#timer = setTimeout(this.#flush, BATCH_MS);
      this.#timer.unref();
      unflushed.add(this);
    }
    this.#pending += line;
    if (this.#pending.length >= BATCH_MAX_CHARS) this.flush();
  }

  flush(): void {
    if (this.#pending === '') return;
    clearTimeout(this.#timer);
    const lines = this.#pending;
    this.#pending = '';
    unflushed.delete(this);
    this.stream.write(lines);
  }
}

/** Batches holding lines; only these need writing at exit, so an app that closed leaves nothing behind here. */
const unflushed = new Set<LineBatch>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const batch of [...unflushed]) {
      batch.flush();
      try {
        batch.stream.flushSync?.();
      } catch {
        // Nothing more can be done while exiting.
      }
    }
  });
}

const batches = new WeakMap<object, LineBatch>();

function batchOf(stream: LineStream): LineBatch {
  let batch = batches.get(stream);
  if (batch === undefined) {
    installExitHook();
    batch = new LineBatch(stream);
    batches.set(stream, batch);
  }
  return batch;
}

/**
 * For lines of a fixed shape written on every request (the access log): a function that writes one line
 * `{"level":…,"time":…,<bindings><fields>,"msg":…}` — the same line pino writes, without its per-call work — to
 * the logger's destination; with `batchLines` (the default on stdout), joined with the other lines of up to
 * 10 ms (`LineBatch`). `fields` is
 * the pre-serialised, already redacted `,"key":value…` part. Undefined for loggers not made by `createLogger` or
 * with a destination that needs pino's metadata; use the logger then.
 */
export function lineWriter(
  logger: Logger,
): ((level: 'info' | 'error', fields: string, msg: string) => void) | undefined {
  const raw = logger as unknown as Record<symbol, unknown>;
  const stream = raw[streamSym] as LineStream | undefined;
  if (raw[LIFT_FORMAT] !== true || stream === undefined || stream[needsMetadataGsym] === true)
    return undefined;
  const sink = stream[BATCHED] === true ? batchOf(stream) : stream;
  return (level, fields, msg) => {
    sink.write(
      `{"level":"${level}","time":${Date.now()}${raw[chindingsSym] as string}${fields},"msg":${JSON.stringify(msg)}}\n`,
    );
  };
}

/**
 * Writes what the logger's destination has buffered, the batched lines first; resolves when done
 * (at once for unbuffered destinations).
 */
export function flushLogger(logger: Pick<Logger, 'flush'>): Promise<void> {
  const stream = (logger as unknown as Record<symbol, unknown>)[streamSym];
  if (typeof stream === 'object' && stream !== null) batches.get(stream)?.flush();
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}
