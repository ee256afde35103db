/**
 * What `bench/session.ts` exchanges with its children: the line the server fixture (session-server.ts) prints
 * once it listens, and the request the load generator (session-load.ts) takes. Both sides validate.
 */
import { type LoadRequest, parseLoadRequest } from './harness/load-protocol.ts';

/** Starts the server fixture's ready line; the JSON of a `SessionServerReady` follows after one space. */
export const READY_MARKER = 'BENCH_SESSION_READY';

export interface SessionServerReady {
  /** `Cookie` header value carrying the session token. */
  cookie: string;
  userId: string;
  sessionId: string;
  tokenHash: string;
  /** A verified user with this password, for `POST /auth/login`. */
  email: string;
  password: string;
  /** Milliseconds per argon2id verification, one entry per `BENCH_ARGON2_SAMPLES`. */
  argon2VerifyMs: number[];
}

/** The harness's load request plus request headers (the session cookie). */
export interface HeaderLoadRequest extends LoadRequest {
  headers: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseHeaderLoadRequest(text: string): HeaderLoadRequest {
  const base = parseLoadRequest(text);
  const { headers } = JSON.parse(text) as { headers?: unknown };
  if (!isRecord(headers) || !Object.values(headers).every((value) => typeof value === 'string')) {
    throw new Error('load request: field "headers" must be an object of strings');
  }
  return { ...base, headers: headers as Record<string, string> };
}

/** The ready line in a child's stdout, or null while it has not been printed. */
export function findReadyLine(stdout: string): SessionServerReady | null {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${READY_MARKER} `));
  if (line === undefined) return null;
  const value: unknown = JSON.parse(line.slice(READY_MARKER.length + 1));
  const strings = ['cookie', 'userId', 'sessionId', 'tokenHash', 'email', 'password'];
  if (!isRecord(value) || !strings.every((key) => typeof value[key] === 'string')) {
    throw new Error(`malformed ready line: ${line.slice(0, 300)}`);
  }
  if (!Array.isArray(value.argon2VerifyMs) || !value.argon2VerifyMs.every((ms) => typeof ms === 'number')) {
    throw new Error(`malformed ready line (argon2VerifyMs): ${line.slice(0, 300)}`);
  }
  return value as unknown as SessionServerReady;
}
