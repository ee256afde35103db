import { describe } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../../test/support/services.ts';
import { ManualClock } from '../../core/clock.ts';
import { kvConformance } from '../kv.conformance.ts';
import { runMigrations } from '../migrations/migrator.ts';
import { storageMigrations } from '../migrations/storage-migrations.ts';
import { openSqlDatabase } from './open-sql-database.ts';
import { SqlKeyValueStore } from './sql-key-value-store.ts';

const url = await postgresUrl();

describe.skipIf(!url)('SqlKeyValueStore on PostgreSQL', () => {
  kvConformance('sql on PostgreSQL', async () => {
    const schema = await freshPostgresSchemaUrl('kv');
    const database = openSqlDatabase(schema.url, { poolSize: 10 });
    await runMigrations(database, [storageMigrations]);
    const clock = new ManualClock();
    const store = new SqlKeyValueStore(database, { clock });
    return {
      store,
      exactTime: true,
      elapse: async (ms) => clock.advance(ms),
      close: async () => {
        await store.close();
        await database.close();
        await schema.drop();
      },
    };
  });
});
