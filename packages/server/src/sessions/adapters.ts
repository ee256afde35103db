import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { SqlEventRows, Storage } from '../storage/index.ts';
import { RedisSessionStore } from './redis-session-store.ts';
import type { SessionStore } from './session-store.ts';
import { SqlSessionStore } from './sql-session-store.ts';

/**
 * The sessions module's adapters, for the app's shape factories only. Picks the session store from
 * `sessions.store`: `sql`, or `redis` (Redis in front, the SQL database as backup). `auto` follows
 * `storage.kv`: a redis:// key-value store means Redis sessions too.
 */
export function createSessionStore(options: {
  config: LiftConfig;
  storage: Pick<Storage, 'sql'>;
  log: Logger;
  clock: Clock;
  /** Where deletes write their events, in their transaction (the transactional outbox). */
  eventRows?: SqlEventRows;
}): SessionStore {
  const { config, storage, log, eventRows } = options;
  const announcing = eventRows ? { eventRows } : {};
  const kv = config.storage.kv;
  const redisUrl = /^rediss?:\/\//.test(kv) ? kv : undefined;
  const choice = config.sessions.store === 'auto' ? (redisUrl ? 'redis' : 'sql') : config.sessions.store;
  if (choice === 'sql') return new SqlSessionStore(storage.sql, announcing);
  if (!redisUrl) {
    throw new LiftConfigError('sessions.store is "redis" but storage.kv is not a redis:// URL to use.');
  }
  return new RedisSessionStore(storage.sql, {
    redis: redisUrl,
    prefix: config.storage.redisPrefix,
    log,
    clock: options.clock,
    ...announcing,
  });
}
