import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from './errors.ts';
import { StoreFailureCounter, storeFailureOf } from './store-failures.ts';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('storeFailureOf', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'sql'],
    [
      'a PostgreSQL shutdown',
      withCode('terminating connection due to administrator command', '57P01'),
      'sql',
    ],
    ['a PostgreSQL connection exception', withCode('connection failure', '08006'), 'sql'],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect'), 'sql'],
    ['a dropped pg connection', new Error('Connection terminated unexpectedly'), 'sql'],
    ['a busy SQLite file', withCode('database is locked', 'SQLITE_BUSY'), 'sql'],
    ['an ioredis timeout', new Error('Command timed out'), 'kv'],
    ['a closed ioredis connection', new Error('Connection is closed.'), 'kv'],
  ])('maps %s to a 503 with Retry-After', (_name, error, store) => {
    const failure = storeFailureOf(error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(failure?.store).toBe(store);
    expect(failure?.status).toBe(503);
    expect(failure?.code).toBe('LIFT_UNAVAILABLE');
    expect(failure?.headers['retry-after']).toBe('1');
    expect(failure?.cause).toBe(error);
  });

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['a constraint violation', withCode('duplicate key value', '23505')],
    ['a non-error', 'boom'],
  ])('leaves %s alone', (_name, error) => {
    expect(storeFailureOf(error)).toBeUndefined();
  });
});

describe('StoreFailureCounter', () => {
  it('counts every failure per store and logs once per interval', () => {
    const lines: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let now = 0;
    const counter = new StoreFailureCounter(() => log, { logIntervalMs: 10_000, now: () => now });
    for (let i = 0; i < 5; i++) counter.record(new StoreUnavailableError('kv'));
    counter.record(new StoreUnavailableError('sql'));
    expect(counter.counts).toEqual({ sql: 1, kv: 5, broker: 0, sessions: 0 });
    expect(lines).toHaveLength(1);
    now = 10_000;
    counter.record(new StoreUnavailableError('kv'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ failures: 6, counts: { kv: 6, sql: 1 } });
  });
});
