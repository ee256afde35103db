import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { openRedisConnection, type RedisConnection } from '../storage/index.ts';
import { describeGcra } from './gcra.ts';
import type { RateLimitDecision, RateLimitRule } from './rate-limit-rule.ts';
import type { RateLimitStore } from './rate-limit-store.ts';
import { GCRA_SCRIPT, SLIDING_WINDOW_SCRIPT } from './redis-rate-limit-scripts.ts';
import { describeSlidingWindow } from './sliding-window.ts';

export interface RedisRateLimitStoreOptions {
  url: string;
  /** Prepended to every key (`storage.redisPrefix`). */
  prefix?: string;
  /** `redis` (default): Redis's TIME, one clock for every node. A `Clock`: the caller's (tests). */
  time?: 'redis' | Clock;
  /** Per-command deadline, so a slow Redis bounds a request's wait. */
  commandTimeoutMs?: number;
}

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SLIDING = script(SLIDING_WINDOW_SCRIPT);
const GCRA = script(GCRA_SCRIPT);

/**
 * Counters in Redis, shared by every node: one decision is one EVALSHA (EVAL once after Redis forgot the
 * script, e.g. after a restart), so admitting a request costs one round trip. Keys: `<prefix>rl:{<key>}`.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #clock: Clock | undefined;

  constructor(options: RedisRateLimitStoreOptions) {
    // Commands of concurrent requests leave in one write per event-loop turn: under load the decision's CPU
    // cost is a share of one syscall instead of one each (still one round trip per decision).
    this.#connection = openRedisConnection(options.url, {
      enableAutoPipelining: true,
      ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    });
    this.#prefix = options.prefix ?? 'lift:';
    this.#clock = options.time === undefined || options.time === 'redis' ? undefined : options.time;
  }

  async consume(key: string, rule: RateLimitRule, cost: number): Promise<RateLimitDecision> {
    const redisKey = `${this.#prefix}rl:{${key}}`;
    const now = this.#clock ? String(this.#clock.now()) : '';
    if (rule.algorithm === 'sliding-window') {
      const reply = await this.#run(SLIDING, redisKey, [rule.windowMs, rule.limit, cost, now]);
      const [allowed, windowStart, current, previous, at] = reply;
      const state = {
        windowStart: Number(windowStart),
        current: Number(current),
        previous: Number(previous),
      };
      return describeSlidingWindow(rule, state, Number(at), cost, allowed === 1);
    }
    const reply = await this.#run(GCRA, redisKey, [rule.periodMs, rule.rate, rule.burst, cost, now]);
    const [allowed, tat, at] = reply;
    return describeGcra(rule, { tat: Number(tat) }, Number(at), cost, allowed === 1);
  }

  #run(code: Script, key: string, args: ReadonlyArray<string | number>): Promise<Array<string | number>> {
    const redis = this.#connection.client;
    return this.#connection.command('kv', async () => {
      try {
        return (await redis.evalsha(code.sha, 1, key, ...args)) as Array<string | number>;
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await redis.eval(code.source, 1, key, ...args)) as Array<string | number>;
      }
    });
  }

  ping(): Promise<void> {
    return this.#connection.ping(2_000);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
