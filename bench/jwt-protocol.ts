/**
 * What `bench/jwt.ts` exchanges with its server fixtures (jwt-lift-server.ts, jwt-fastify-server.ts) and its
 * verification child (jwt-verify.ts): one line on stdout each, a marker and JSON. Both sides validate.
 */

/** Starts a server fixture's ready line; the JSON of a `JwtServerReady` follows after one space. */
export const READY_MARKER = 'BENCH_JWT_READY';
/** Starts the verification child's result line; the JSON of a `VerifyResult` follows after one space. */
export const VERIFY_MARKER = 'BENCH_JWT_VERIFY';

export type JwtAlgorithm = 'HS256' | 'EdDSA';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'EdDSA'];

/** Same issuer and audience for every server, so every token carries the same claims. */
export const ISSUER = 'http://127.0.0.1:3000';

export interface JwtServerReady {
  /** `Authorization` header value: `Bearer <access token>`, issued just before the ready line. */
  authorization: string;
  /** What `GET /me` answers with that header. */
  body: Record<string, unknown>;
}

/** One timed operation of jwt-verify.ts: µs per call, best round, and every round. */
export interface VerifyTiming {
  microsPerOp: number;
  roundMicrosPerOp: number[];
}

export interface VerifyAlgorithmResult {
  algorithm: JwtAlgorithm;
  /** Characters of the access token verified. */
  tokenLength: number;
  opsPerRound: number;
  /** `AccessTokens.verify` after `clearCache()`: the whole miss path. */
  liftUncached: VerifyTiming;
  /** `AccessTokens.verify` of a cached token: SHA-256 of the token, a map lookup, the revocation check. */
  liftCached: VerifyTiming;
  /** The signature check alone, with node:crypto, over the same token's signing input. */
  bareCrypto: VerifyTiming;
}

export interface VerifyResult {
  rounds: number;
  algorithms: VerifyAlgorithmResult[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function markedJson(stdout: string, marker: string): unknown | null {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${marker} `));
  return line === undefined ? null : JSON.parse(line.slice(marker.length + 1));
}

/** The ready line in a fixture's stdout, or null while it has not been printed. */
export function findReadyLine(stdout: string): JwtServerReady | null {
  const value = markedJson(stdout, READY_MARKER);
  if (value === null) return null;
  if (!isRecord(value) || typeof value.authorization !== 'string' || !isRecord(value.body)) {
    throw new Error(`malformed ready line: ${JSON.stringify(value).slice(0, 300)}`);
  }
  return value as unknown as JwtServerReady;
}

function isTiming(value: unknown): value is VerifyTiming {
  return (
    isRecord(value) &&
    typeof value.microsPerOp === 'number' &&
    Array.isArray(value.roundMicrosPerOp) &&
    value.roundMicrosPerOp.every((micros) => typeof micros === 'number')
  );
}

/** The verification child's result line, or null when it printed none. */
export function findVerifyResult(stdout: string): VerifyResult | null {
  const value = markedJson(stdout, VERIFY_MARKER);
  if (value === null) return null;
  const valid =
    isRecord(value) &&
    typeof value.rounds === 'number' &&
    Array.isArray(value.algorithms) &&
    value.algorithms.every(
      (entry) =>
        isRecord(entry) &&
        JWT_ALGORITHMS.includes(entry.algorithm as JwtAlgorithm) &&
        typeof entry.tokenLength === 'number' &&
        typeof entry.opsPerRound === 'number' &&
        isTiming(entry.liftUncached) &&
        isTiming(entry.liftCached) &&
        isTiming(entry.bareCrypto),
    );
  if (!valid) throw new Error(`malformed verification result: ${JSON.stringify(value).slice(0, 300)}`);
  return value as unknown as VerifyResult;
}

/** `BENCH_JWT_ALGORITHM` of a fixture. */
export function algorithmFromEnvironment(): JwtAlgorithm {
  const raw = process.env.BENCH_JWT_ALGORITHM;
  const algorithm = JWT_ALGORITHMS.find((candidate) => candidate === raw);
  if (algorithm === undefined) {
    throw new Error(`BENCH_JWT_ALGORITHM must be one of ${JWT_ALGORITHMS.join(', ')}, got ${raw}`);
  }
  return algorithm;
}
