import type { CompletedRecord } from './idempotency-record.ts';

/** The header a replayed answer carries, so a client (and its logs) can tell a replay from a first run. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * Headers never stored: cookies belong to the first request's session handling, framing headers are the
 * server's, and the date is the replay's own. Headers the pipeline adds to every response (request id,
 * security headers, CORS) are not stored either: the replay gets its own from the pipeline.
 */
const NEVER_STORED = new Set([
  'set-cookie',
  'date',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  REPLAYED_HEADER,
]);

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/** Reads a finished response into a record, leaving the response intact for the client. */
export async function captureResponse(
  response: Response,
  fingerprint: string,
  pipelineHeaders: ReadonlySet<string>,
): Promise<CompletedRecord> {
  const body = NO_BODY.has(response.status)
    ? new Uint8Array()
    : new Uint8Array(await response.clone().arrayBuffer());
  const headers: Array<[string, string]> = [];
  response.headers.forEach((value, name) => {
    if (!NEVER_STORED.has(name) && !pipelineHeaders.has(name)) headers.push([name, value]);
  });
  return {
    state: 'completed',
    fingerprint,
    status: response.status,
    headers,
    body: Buffer.from(body).toString('base64'),
  };
}

/** The stored answer as a new response, marked as a replay. */
export function replayResponse(record: CompletedRecord): Response {
  const headers = new Headers();
  for (const [name, value] of record.headers) headers.append(name, value);
  headers.set(REPLAYED_HEADER, 'true');
  const body = NO_BODY.has(record.status) ? null : Buffer.from(record.body, 'base64');
  return new Response(body, { status: record.status, headers });
}
