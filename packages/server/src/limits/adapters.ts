import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { Storage } from '../storage/index.ts';
import { MemoryRateLimitStore } from './memory-rate-limit-store.ts';
import type { RateLimitStore } from './rate-limit-store.ts';
import { RedisRateLimitStore } from './redis-rate-limit-store.ts';
import { SqlRateLimitStore } from './sql-rate-limit-store.ts';

/** Redis calls of a decision give up after this long, so a slow Redis costs a request a bounded wait. */
const REDIS_DECISION_TIMEOUT_MS = 500;

/**
 * The limits module's store, for the app's shape factories only. `limits.store`: memory, sql, redis; `auto`
 * follows `storage.kv` (a redis:// URL → Redis, `sql` → the SQL database, `memory:` → memory).
 */
export function createRateLimitStore(options: {
  config: LiftConfig;
  storage: Pick<Storage, 'sql'>;
  clock: Clock;
}): RateLimitStore {
  const { config, clock } = options;
  const kv = config.storage.kv;
  const redisUrl = /^rediss?:\/\//.test(kv) ? kv : undefined;
  const chosen = (config as { limits?: { store?: string } }).limits?.store ?? 'auto';
  const store = chosen === 'auto' ? (redisUrl ? 'redis' : kv === 'sql' ? 'sql' : 'memory') : chosen;
  if (store === 'memory') return new MemoryRateLimitStore({ clock });
  if (store === 'sql') return new SqlRateLimitStore(options.storage.sql, { clock });
  if (!redisUrl)
    throw new LiftConfigError('limits.store is "redis" but storage.kv is not a redis:// URL to use.');
  return new RedisRateLimitStore({
    url: redisUrl,
    prefix: config.storage.redisPrefix,
    commandTimeoutMs: REDIS_DECISION_TIMEOUT_MS,
  });
}
