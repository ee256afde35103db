import type { JsonWebKey } from 'node:crypto';
import type { Span, Tracer } from '../../core/tracing.ts';
import { importJwk, type JwsAlgorithm, MAX_KID_LENGTH, type VerificationKey } from '../jws/index.ts';

/**
 * One JWKS fetch: a GET with a deadline, no redirects, a body read only up to a size cap, and a JSON Web Key
 * Set turned into verification keys by `kid`. Keys this app would never accept — an algorithm outside the
 * allow-list, no `kid` or `alg`, a private member, an encryption key — are left out rather than failing the
 * set, so an issuer may publish keys for other verifiers; a set with no usable key at all is a failure.
 */

export type JwksFailureReason = 'timeout' | 'network' | 'status' | 'too_large' | 'bad_json' | 'no_keys';

/** Why a JWKS could not be used; `reason` is for logs, events and tests. */
export class JwksFetchError extends Error {
  readonly reason: JwksFailureReason;
  constructor(reason: JwksFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksFetchError';
    this.reason = reason;
  }
}

export interface JwksFetchOptions {
  url: string;
  timeoutMs: number;
  maxBytes: number;
  algorithms: readonly JwsAlgorithm[];
  /** Aborts the fetch from outside (the module closing). */
  signal?: AbortSignal;
  /** With tracing on, the fetch is a client span whose `traceparent` the request carries. */
  tracer?: Tracer;
}

/** Keys of one fetched set, by `kid`. */
export type KeySet = ReadonlyMap<string, VerificationKey>;

/** At most this many keys are read from a set; an issuer publishes two or three. */
const MAX_KEYS = 100;

export async function fetchJwks(options: JwksFetchOptions): Promise<KeySet> {
  const tracer = options.tracer;
  if (tracer === undefined || !tracer.enabled) return fetchKeySet(options, undefined);
  // OpenTelemetry HTTP client conventions: the span is named after the method; the URL names no secret.
  const span = tracer.startSpan(
    'GET',
    { 'http.request.method': 'GET', 'url.full': options.url },
    undefined,
    'client',
  );
  try {
    return await fetchKeySet(options, span);
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}

async function fetchKeySet(options: JwksFetchOptions, span: Span | undefined): Promise<KeySet> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  let response: Response;
  try {
    response = await fetch(options.url, {
      signal,
      redirect: 'error',
      headers: {
        accept: 'application/jwk-set+json, application/json',
        // The issuer's trace shows this fetch under ours.
        ...(span === undefined ? {} : { traceparent: span.traceparent() }),
      },
    });
  } catch (error) {
    throw failure(signal, error, `could not fetch ${options.url}`);
  }
  span?.setAttribute('http.response.status_code', response.status);
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new JwksFetchError('status', `${options.url} answered ${response.status}`);
  }
  const text = await readCapped(response, options, signal);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new JwksFetchError('bad_json', `${options.url} did not answer JSON`, { cause: error });
  }
  const keys = keySet(body, options.algorithms);
  if (keys.size === 0) throw new JwksFetchError('no_keys', `${options.url} has no key this app accepts`);
  return keys;
}

/** The body as text, refused as soon as it passes `maxBytes` (a stated Content-Length is refused up front). */
async function readCapped(
  response: Response,
  options: JwksFetchOptions,
  signal: AbortSignal,
): Promise<string> {
  const tooLarge = () =>
    new JwksFetchError('too_large', `${options.url} sent more than ${options.maxBytes} bytes`);
  const stated = Number(response.headers.get('content-length') ?? Number.NaN);
  if (stated > options.maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > options.maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof JwksFetchError) throw error;
    throw failure(signal, error, `could not read ${options.url}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function failure(signal: AbortSignal, error: unknown, message: string): JwksFetchError {
  if (signal.aborted && signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError')
    return new JwksFetchError('timeout', `${message}: no answer in time`, { cause: error });
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
  return new JwksFetchError('network', `${message}: ${cause}`, { cause: error });
}

function keySet(body: unknown, algorithms: readonly JwsAlgorithm[]): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new JwksFetchError('bad_json', 'the JWKS has no keys array');
  }
  const duplicated = new Set<string>();
  for (const jwk of (body as { keys: unknown[] }).keys.slice(0, MAX_KEYS)) {
    const key = verificationKey(jwk, algorithms);
    if (key === undefined) continue;
    if (keys.has(key.kid)) duplicated.add(key.kid);
    keys.set(key.kid, key);
  }
  // A kid published twice is ambiguous: neither key is trusted.
  for (const kid of duplicated) keys.delete(kid);
  return keys;
}

function verificationKey(jwk: unknown, algorithms: readonly JwsAlgorithm[]): VerificationKey | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const { kid, alg } = jwk as { kid?: unknown; alg?: unknown };
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH) return undefined;
  if (typeof alg !== 'string' || !algorithms.includes(alg as JwsAlgorithm)) return undefined;
  try {
    return { kid, alg: alg as JwsAlgorithm, key: importJwk(jwk as JsonWebKey, alg as JwsAlgorithm) };
  } catch {
    return undefined;
  }
}
