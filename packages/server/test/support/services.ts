import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { portAnswers } from './port-probe.ts';

export { startRedisServer, type TestRedisServer } from './redis-server.ts';

/**
 * Where tests find PostgreSQL and Redis (DESIGN §7). A set variable means "this service must be there": if
 * it does not answer, the lookup throws and the test file fails. Unset, the default localhost port is
 * probed; if nothing answers the lookup returns undefined after printing why, and the suite is skipped
 * with `describe.skipIf(!url)`.
 */

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Why a PostgreSQL suite is skipped: only ever when the variable is unset and nothing answers by default. */
export const POSTGRES_SKIP_REASON =
  'LIFT_TEST_POSTGRES_URL is unset and nothing answers at 127.0.0.1:5432 (CI sets it, so CI never skips)';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

let postgres: Promise<string | undefined> | undefined;
let redis: Promise<string | undefined> | undefined;

export function postgresUrl(): Promise<string | undefined> {
  postgres ??= findService('LIFT_TEST_POSTGRES_URL', 'PostgreSQL', DEFAULT_POSTGRES_URL, 5432);
  return postgres;
}

export function redisUrl(): Promise<string | undefined> {
  redis ??= findService('LIFT_TEST_REDIS_URL', 'Redis', DEFAULT_REDIS_URL, 6379);
  return redis;
}

async function findService(
  variable: string,
  service: string,
  defaultUrl: string,
  defaultPort: number,
): Promise<string | undefined> {
  const configured = process.env[variable];
  const url = configured || defaultUrl;
  const { hostname, port } = new URL(url);
  const host = hostname || '127.0.0.1';
  const answers = await portAnswers(host, Number(port) || defaultPort);
  if (answers) return url;
  if (configured) {
    throw new Error(`${variable} is set but ${service} does not answer at ${host}:${port || defaultPort}.`);
  }
  console.warn(
    `[lift tests] skipping ${service} tests: ${variable} is unset and nothing answers at ${host}:${defaultPort}.`,
  );
  return undefined;
}

export interface FreshPostgresSchema {
  /** The PostgreSQL URL with `?schema=<unique name>`; Lift creates the schema on first connection. */
  url: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A URL whose connections live in their own new schema, so test files can share one database. */
export async function freshPostgresSchemaUrl(prefix: string): Promise<FreshPostgresSchema> {
  const base = await postgresUrl();
  if (!base)
    throw new Error('freshPostgresSchemaUrl() needs PostgreSQL; guard the suite with postgresUrl().');
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const schema = `t_${safePrefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A key prefix no other test run uses, for suites sharing one Redis. */
export function uniqueRedisPrefix(label = 'test'): string {
  return `lift-test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}
