import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl, redisUrl } from '../../test/support/services.ts';
import { ManualClock } from '../core/clock.ts';
import { inbox, received } from './broker.conformance.ts';
import { createStorage } from './create-storage.ts';
import { MemoryBroker } from './memory/memory-broker.ts';
import { MemoryKeyValueStore } from './memory/memory-key-value-store.ts';
import { storageMigrations } from './migrations/storage-migrations.ts';

const liftNames = storageMigrations.migrations.map((migration) => `lift/${migration.name}`);

import type { MigrationSet } from './ports.ts';
import { RedisBroker } from './redis/redis-broker.ts';
import { RedisKeyValueStore } from './redis/redis-key-value-store.ts';
import { SqlKeyValueStore } from './sql/sql-key-value-store.ts';

const directory = mkdtempSync(join(tmpdir(), 'lift-create-storage-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const appSet: MigrationSet = {
  name: 'notes',
  migrations: [
    {
      name: '0001_create_notes',
      async up(db) {
        await db.schema
          .createTable('notes')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .execute();
      },
    },
  ],
};

describe('createStorage, embedded shape', () => {
  it('builds SQLite, the SQL key-value store and the memory broker, and migrates Lift first', async () => {
    const clock = new ManualClock();
    const storage = createStorage({
      url: `sqlite:${join(directory, 'embedded', 'lift.db')}`,
      kv: 'sql',
      broker: 'memory:',
      poolSize: 10,
      migrationSets: [appSet],
      clock,
    });
    expect(storage.sql.dialect).toBe('sqlite');
    expect(storage.kv).toBeInstanceOf(SqlKeyValueStore);
    expect(storage.broker).toBeInstanceOf(MemoryBroker);
    expect(await storage.migrate()).toEqual({
      applied: [...liftNames, 'notes/0001_create_notes'],
    });
    expect((await storage.migrationStatus()).every((entry) => entry.executedAt !== null)).toBe(true);
    expect(storage.components().map((component) => component.name)).toEqual(['sql', 'kv', 'broker']);
    for (const component of storage.components())
      await expect(component.check.ping()).resolves.toBeUndefined();

    await storage.kv.set('ticket', 'x', { ttlMs: 1_000 });
    clock.advance(1_000);
    expect(await storage.kv.get('ticket')).toBeNull();

    await storage.close();
    await expect(storage.close()).resolves.toBeUndefined();
  });

  it('builds the memory key-value store for memory:', async () => {
    const storage = createStorage({ url: 'sqlite::memory:', kv: 'memory:', broker: 'memory:', poolSize: 1 });
    expect(storage.kv).toBeInstanceOf(MemoryKeyValueStore);
    await storage.close();
  });

  it('refuses unknown settings, naming the setting and the scheme but never the password', () => {
    const base = { url: 'sqlite::memory:', kv: 'memory:', broker: 'memory:', poolSize: 1 };
    const cases = [
      { ...base, url: 'mysql://root:hunter2@db/app' },
      { ...base, kv: 'memcached://user:hunter2@cache:11211' },
      { ...base, broker: 'nats://user:hunter2@nats:4222' },
      { ...base, broker: 'sql' },
    ];
    for (const options of cases) {
      const attempt = () => createStorage(options);
      expect(attempt).toThrow(expect.objectContaining({ code: 'LIFT_CONFIG_INVALID' }));
      expect(attempt).not.toThrow(/hunter2/);
    }
    expect(() => createStorage(cases[1]!)).toThrow(/storage\.kv got a URL with scheme "memcached:"/);
    expect(() => createStorage({ ...base, migrationSets: [{ name: 'lift', migrations: [] }] })).toThrow(
      /reserved/,
    );
  });
});

const pg = await postgresUrl();
const redis = await redisUrl();

describe.skipIf(!pg || !redis)('createStorage, scaled shape', () => {
  it('builds PostgreSQL with Redis key-value store and broker', async () => {
    const schema = await freshPostgresSchemaUrl('create_storage');
    const storage = createStorage({ url: schema.url, kv: redis!, broker: redis!, poolSize: 3 });
    expect(storage.sql.dialect).toBe('postgres');
    expect(storage.kv).toBeInstanceOf(RedisKeyValueStore);
    expect(storage.broker).toBeInstanceOf(RedisBroker);
    expect((await storage.migrate()).applied).toEqual(liftNames);
    for (const component of storage.components())
      await expect(component.check.ping()).resolves.toBeUndefined();
    const box = await inbox(storage.broker, `create-storage:${schema.schema}`);
    await storage.broker.publish(`create-storage:${schema.schema}`, 'hello');
    expect(await received(box, 1)).toEqual(['hello']);
    await storage.close();
    await storage.close();
    await schema.drop();
  });
});
