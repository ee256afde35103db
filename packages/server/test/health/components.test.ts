import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLift } from '../../src/app/create-lift.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { SqlOutboxStore } from '../../src/storage/index.ts';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.ts';
import { freshPostgresSchemaUrl, POSTGRES_SKIP_REASON, postgresUrl, redisUrl } from '../support/services.ts';
import { healthApp, probe } from './health-app.ts';

/** Every component up and down against the real thing: SQLite files, PostgreSQL, Redis, an SMTP server. */

const fresh = { health: { cacheMs: 0 } };

describe('SQLite components: sql, disk', () => {
  it('reports the SQL database and the free space of its filesystem up', async () => {
    const { app, dir } = await healthApp(fresh);
    const { status, report } = await probe(app);
    expect(status).toBe(200);
    expect(report.components.sql).toMatchObject({ status: 'up', critical: true });
    const free = report.components.disk?.observed?.free_bytes as number;
    const stats = await statfs(dir);
    // Other processes write meanwhile: the same filesystem, within 1 GiB.
    expect(Math.abs(free - Number(stats.bavail) * Number(stats.bsize))).toBeLessThan(2 ** 30);
    expect(report.components.disk).toMatchObject({ status: 'up', critical: true });
  });

  it('is unready when free space is below health.minFreeDiskBytes', async () => {
    const { app } = await healthApp({
      health: { ...fresh.health, minFreeDiskBytes: Number.MAX_SAFE_INTEGER },
    });
    const { status, report } = await probe(app);
    expect(status).toBe(503);
    expect(report.failing).toEqual(['disk']);
    expect(report.components.disk?.error).toMatch(
      /bytes free on the filesystem of .*lift\.db, below the minimum/,
    );
  });

  it('reports sql down when the database file cannot be opened', async () => {
    const { app, dir } = await healthApp(fresh);
    // An app whose database "file" is a directory: SQLite refuses to open it (and start() would refuse too).
    const blocked = join(dir, 'not-a-file.db');
    mkdirSync(blocked);
    const broken = createLift(
      {
        env: 'test',
        dataDir: dir,
        log: { level: 'silent' },
        ...fresh,
        storage: { url: `sqlite:${blocked}` },
      },
      { modules: [] },
    );
    try {
      const { status, report } = await probe(broken);
      expect(status).toBe(503);
      expect(report.failing).toEqual(expect.arrayContaining(['sql']));
      expect(report.components.sql?.status).toBe('down');
    } finally {
      await broken.close();
    }
    expect((await probe(app)).status).toBe(200);
  });

  it('has no disk component on an in-memory database', async () => {
    const { app } = await healthApp({ ...fresh, storage: { url: 'sqlite::memory:' } });
    const { report } = await probe(app);
    expect(report.components.disk).toBeUndefined();
    expect(report.components.sql?.status).toBe('up');
  });
});

describe('outbox lag', () => {
  it('is degraded (200) while an event waits longer than health.outboxMaxLagMs, and up once it is relayed', async () => {
    const { app } = await healthApp({ health: { ...fresh.health, outboxMaxLagMs: 60_000 } });
    expect((await probe(app)).report.components.outbox).toMatchObject({ status: 'up', critical: false });
    // An event a process claimed two minutes ago and died with: the relay may not take it before its lease ends.
    const written = Date.now() - 120_000;
    const store = new SqlOutboxStore(app.storage.sql, { clock: new ManualClock(written), origin: 'dead' });
    await store.append([{ kind: 'event', topic: 'lift:events', payload: '{}', dedupeKey: 'stuck-event' }], {
      claim: { owner: 'dead-process', leaseMs: 10 * 60_000 },
    });
    const late = await probe(app);
    expect(late.status).toBe(200);
    expect(late.report).toMatchObject({ status: 'degraded', degraded: ['outbox'], failing: [] });
    expect(late.report.components.outbox?.error).toMatch(
      /^the oldest event not relayed yet was written 1\d{5} ms ago \(limit 60000 ms\)$/,
    );
    expect(await store.completeEvents(['stuck-event'], 'dead-process')).toBe(1);
    const relayed = await probe(app);
    expect(relayed.report.status).toBe('ready');
    expect(relayed.report.components.outbox?.observed).toEqual({ lag_ms: 0 });
  });
});

describe('event-loop delay', () => {
  it('is degraded while the p99 delay since the previous check is above the limit, and up after', async () => {
    const { app } = await healthApp({ health: { cacheMs: 0, maxEventLoopDelayMs: 100 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const calm = await probe(app);
    expect(calm.report.components.event_loop).toMatchObject({ status: 'up', critical: false });
    expect(calm.report.components.event_loop?.observed?.samples).toBeGreaterThan(0);
    // Block the loop three times for 250 ms: the monitor's timer is late each time.
    for (let i = 0; i < 3; i += 1) {
      const until = performance.now() + 250;
      while (performance.now() < until);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const busy = await probe(app);
    expect(busy.status).toBe(200);
    expect(busy.report).toMatchObject({ status: 'degraded', degraded: ['event_loop'] });
    expect(busy.report.components.event_loop?.error).toMatch(
      /^event-loop delay p99 \d+(\.\d)? ms .* above 100 ms$/,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await probe(app)).report.components.event_loop?.status).toBe('up');
  });
});

describe('mail transport', () => {
  let smtp: SMTPServer | undefined;
  afterEach(async () => {
    if (smtp) await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    smtp = undefined;
  });

  async function startSmtp(): Promise<number> {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.password === 'right') callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    return (smtp.server.address() as AddressInfo).port;
  }

  it('logs in to the SMTP server; refused credentials or a stopped server make the app degraded, not unready', async () => {
    const port = await startSmtp();
    const config = (password: string) => ({
      health: { ...fresh.health, mailCacheMs: 0 },
      mail: { url: `smtp://lift:${password}@127.0.0.1:${port}` },
    });
    const { app } = await healthApp(config('right'), {});
    expect((await probe(app)).report.components.mail).toMatchObject({ status: 'up', critical: false });

    const { app: wrong } = await healthApp(config('wrong'), {});
    const refused = await probe(wrong);
    expect(refused.status).toBe(200);
    expect(refused.report).toMatchObject({ status: 'degraded', degraded: ['mail'] });
    expect(refused.report.components.mail?.error).toBe(
      `The SMTP server 127.0.0.1:${port} did not answer the connection check (EAUTH).`,
    );
    expect(JSON.stringify(refused.report)).not.toContain('wrong@');

    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    smtp = undefined;
    const stopped = await probe(app);
    expect(stopped.report).toMatchObject({ status: 'degraded', degraded: ['mail'] });
    expect(stopped.report.components.mail?.error).toMatch(
      /did not answer the connection check \(ESOCKET|ECONNECTION\)/,
    );
  });

  it('keeps the SMTP result for health.mailCacheMs', async () => {
    const port = await startSmtp();
    let logins = 0;
    smtp?.on('connect', () => {
      logins += 1;
    });
    const { app } = await healthApp(
      {
        health: { ...fresh.health, mailCacheMs: 60_000 },
        mail: { url: `smtp://lift:right@127.0.0.1:${port}` },
      },
      {},
    );
    for (let i = 0; i < 5; i += 1) expect((await probe(app)).report.components.mail?.status).toBe('up');
    expect(logins).toBe(1);
  });

  it('is always up for file mail, and absent when no module sends mail', async () => {
    const { app } = await healthApp(fresh, {});
    expect((await probe(app)).report.components.mail).toMatchObject({ status: 'up', critical: false });
    const { app: plain } = await healthApp(fresh);
    expect((await probe(plain)).report.components.mail).toBeUndefined();
  });
});

describe.skipIf(!(await postgresUrl()))(`PostgreSQL (${POSTGRES_SKIP_REASON})`, () => {
  const schemas: Array<{ drop(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(schemas.map((schema) => schema.drop()));
  });

  it('reports sql up on PostgreSQL, with no disk component', async () => {
    const schema = await freshPostgresSchemaUrl('health');
    schemas.push(schema);
    const { app } = await healthApp({ ...fresh, storage: { url: schema.url } });
    const { status, report } = await probe(app);
    expect(status).toBe(200);
    expect(report.components.sql).toMatchObject({ status: 'up', critical: true });
    expect(report.components.disk).toBeUndefined();
  });

  it('reports sql down when PostgreSQL does not answer', async () => {
    const app = createLift(
      {
        env: 'test',
        log: { level: 'silent' },
        ...fresh,
        storage: { url: 'postgres://postgres@127.0.0.1:1/test' },
      },
      { modules: [] },
    );
    try {
      const { status, report } = await probe(app);
      expect(status).toBe(503);
      expect(report.failing).toContain('sql');
      expect(report.components.sql?.error).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(!(await redisUrl()))('Redis kv and broker', () => {
  let redis: TestRedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('are up while Redis answers, down while it is stopped, and up again after it restarts', async () => {
    redis = await startRedisServer();
    const { app } = await healthApp({
      health: { ...fresh.health, checkTimeoutMs: 1_000 },
      storage: { kv: redis.url, broker: redis.url },
    });
    const up = await probe(app);
    expect(up.status).toBe(200);
    expect(up.report.components.kv?.status).toBe('up');
    expect(up.report.components.broker?.status).toBe('up');

    await redis.stop();
    const down = await probe(app);
    expect(down.status).toBe(503);
    expect(down.report.failing.sort()).toEqual(['broker', 'kv']);

    await redis.restart();
    await expect.poll(async () => (await probe(app)).status, { timeout: 10_000, interval: 100 }).toBe(200);
  });
});

describe('migrations', () => {
  it('is unready while an app migration is pending, and ready on the very next probe after it ran', async () => {
    const { app: first, dir } = await healthApp(fresh); // Lift's own tables
    await first.close();
    const notes = {
      name: 'notes',
      migrations: [
        {
          name: '0001_notes',
          up: async (db: Kysely<unknown>) => {
            await db.schema.createTable('notes').addColumn('id', 'text').execute();
          },
        },
      ],
    };
    // Default cache: the migrations component is not cached, so the change shows at once.
    const app = createLift(
      { env: 'test', dataDir: dir, log: { level: 'silent' }, storage: { migrate: 'manual' } },
      { modules: [], migrations: [notes] },
    );
    try {
      await app.start();
      const pending = await probe(app);
      expect(pending.status).toBe(503);
      expect(pending.report.failing).toEqual(['migrations']);
      expect(pending.report.components.migrations?.error).toMatch(
        /^pending migrations notes\/0001_notes; run /,
      );
      await app.migrate();
      expect((await probe(app)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
