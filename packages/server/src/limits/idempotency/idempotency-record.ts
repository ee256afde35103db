/**
 * What the key-value store holds per (principal, key): a claim while the first request runs, then its answer.
 * Stored as JSON; the body as base64 so any bytes survive every store.
 */

export interface RunningRecord {
  state: 'running';
  fingerprint: string;
}

export interface CompletedRecord {
  state: 'completed';
  fingerprint: string;
  status: number;
  /** Name/value pairs in order; a name may repeat. */
  headers: Array<[string, string]>;
  /** The response body, base64. */
  body: string;
}

export type IdempotencyRecord = RunningRecord | CompletedRecord;

export function encodeRecord(record: IdempotencyRecord): string {
  return JSON.stringify(record);
}

/** Parses a stored record; `null` for anything else, which the middleware treats as absent. */
export function decodeRecord(text: string | null): IdempotencyRecord | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<IdempotencyRecord>;
    if (typeof value.fingerprint !== 'string') return null;
    if (value.state === 'running') return value as RunningRecord;
    if (value.state === 'completed' && typeof value.status === 'number' && typeof value.body === 'string') {
      return value as CompletedRecord;
    }
    return null;
  } catch {
    return null;
  }
}
