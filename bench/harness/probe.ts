/**
 * Waits for a freshly started server to answer and checks the answer before any load is sent to it.
 */
import { request } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { Child } from './children.ts';

const POLL_INTERVAL_MS = 100;
const REQUEST_TIMEOUT_MS = 2_000;

export interface ProbeResponse {
  status: number;
  contentType: string;
  body: string;
}

/** One GET on a fresh connection (no keep-alive, so the probe leaves nothing open on the server). */
export function get(url: string): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: 'GET', agent: false, headers: { connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body }),
        );
        res.on('error', reject);
      },
    );
    outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error(`GET ${url} timed out`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function isNotListeningYet(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ECONNREFUSED';
}

/** Polls `url` until the server answers at all; fails if the child exits or `timeoutMs` passes first. */
export async function waitForFirstResponse(
  url: string,
  server: Child,
  timeoutMs: number,
): Promise<ProbeResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.hasExited()) {
      throw new Error(
        `${server.name} exited (${await server.exited}) before answering ${url}\n${server.stderrTail()}`,
      );
    }
    try {
      return await get(url);
    } catch (error) {
      if (!isNotListeningYet(error)) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${server.name} did not answer ${url} within ${timeoutMs / 1000} s\n${server.stderrTail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Polls until `poll` returns a value; fails if the child exits or `timeoutMs` passes first. */
export async function waitUntil<T>(
  child: Child,
  what: string,
  timeoutMs: number,
  poll: () => Promise<T | null>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.hasExited()) {
      throw new Error(`${child.name} exited (${await child.exited}) before ${what}\n${child.stderrTail()}`);
    }
    const value = await poll();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${child.name}: no ${what} within ${timeoutMs / 1000} s`);
    await new Promise((wait) => setTimeout(wait, POLL_INTERVAL_MS));
  }
}

/** Throws unless the response is 200 with a body that parses to exactly `expected`; `what` names the request. */
export function assertJsonAnswer(
  what: string,
  response: { status: number; body: string },
  expected: unknown,
): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    parsed = undefined;
  }
  if (response.status !== 200 || !isDeepStrictEqual(parsed, expected)) {
    throw new Error(
      `${what} answered ${response.status} ${response.body.slice(0, 300)}, ` +
        `expected 200 ${JSON.stringify(expected)}`,
    );
  }
}
