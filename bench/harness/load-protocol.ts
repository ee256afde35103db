/**
 * What the benchmark parent sends to the load-generator child (`harness/load.ts`, JSON in argv) and what the
 * child prints back (one JSON line on stdout). Both sides validate, so a half-written line fails loudly.
 */

export interface LoadRequest {
  /** Full URL; must point at 127.0.0.1. */
  url: string;
  warmupSeconds: number;
  durationSeconds: number;
  connections: number;
  pipelining: number;
  /** Exact response body every measured request must return. */
  expectBody: string;
}

export interface LoadResult {
  /** Mean of autocannon's per-second request counts over the measured window. */
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  totalRequests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
}

function parseObject(text: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what}: expected a JSON object, got ${text.slice(0, 200)}`);
  }
  return value as Record<string, unknown>;
}

function numberField(object: Record<string, unknown>, key: string, what: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${what}: field "${key}" must be a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function stringField(object: Record<string, unknown>, key: string, what: string): string {
  const value = object[key];
  if (typeof value !== 'string') {
    throw new Error(`${what}: field "${key}" must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseLoadRequest(text: string): LoadRequest {
  const what = 'load request';
  const object = parseObject(text, what);
  return {
    url: stringField(object, 'url', what),
    warmupSeconds: numberField(object, 'warmupSeconds', what),
    durationSeconds: numberField(object, 'durationSeconds', what),
    connections: numberField(object, 'connections', what),
    pipelining: numberField(object, 'pipelining', what),
    expectBody: stringField(object, 'expectBody', what),
  };
}

export function parseLoadResult(text: string): LoadResult {
  const what = 'load result';
  const object = parseObject(text, what);
  return {
    requestsPerSecond: numberField(object, 'requestsPerSecond', what),
    latencyP50Ms: numberField(object, 'latencyP50Ms', what),
    latencyP99Ms: numberField(object, 'latencyP99Ms', what),
    totalRequests: numberField(object, 'totalRequests', what),
    non2xx: numberField(object, 'non2xx', what),
    errors: numberField(object, 'errors', what),
    timeouts: numberField(object, 'timeouts', what),
    mismatches: numberField(object, 'mismatches', what),
  };
}
