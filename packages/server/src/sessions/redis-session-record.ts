import type { SessionRecord } from './session-store.ts';

/**
 * How the Redis session store writes a record as JSON and reads it back.
 */

/** The record's own fields, so the cached JSON holds nothing else the object may carry. */
export function storedFields(record: SessionRecord): SessionRecord {
  return {
    id: record.id,
    tokenHash: record.tokenHash,
    userId: record.userId,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    idleExpiresAt: record.idleExpiresAt,
    absoluteExpiresAt: record.absoluteExpiresAt,
    authTime: record.authTime,
    amr: record.amr,
    ip: record.ip,
    userAgent: record.userAgent,
    uaFamily: record.uaFamily,
    ipPrefix: record.ipPrefix,
    tenantId: record.tenantId,
  };
}

/** The cached record, or null when the value is not one this store wrote (then SQL answers instead). */
export function parseRecord(json: string): SessionRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<keyof SessionRecord, unknown>;
  const strings = ['id', 'tokenHash', 'userId', 'uaFamily', 'ipPrefix'] as const;
  const numbers = ['createdAt', 'lastSeenAt', 'idleExpiresAt', 'absoluteExpiresAt', 'authTime'] as const;
  const valid =
    strings.every((field) => typeof record[field] === 'string') &&
    numbers.every((field) => typeof record[field] === 'number') &&
    Array.isArray(record.amr) &&
    record.amr.every((method) => typeof method === 'string') &&
    (record.ip === null || typeof record.ip === 'string') &&
    (record.userAgent === null || typeof record.userAgent === 'string') &&
    (record.tenantId === undefined || record.tenantId === null || typeof record.tenantId === 'string');
  if (!valid) return null;
  // Copies cached before sessions carried a tenant have no `tenantId`: none was active.
  return { ...(value as SessionRecord), tenantId: (record.tenantId as string | null | undefined) ?? null };
}
