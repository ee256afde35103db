import { describe, expect, it } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../../test/support/services.ts';
import { liftMigrations } from '../../app/lift-migrations.ts';
import { runMigrations } from '../../storage/migrations/migrator.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { openSqlDatabase } from '../../storage/sql/open-sql-database.ts';
import type { NewSigningKey, SigningKeyStore } from './signing-key-store.ts';
import { SqlSigningKeyStore } from './sql-signing-key-store.ts';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

interface Fixture {
  store: SigningKeyStore;
  database: SqlDatabase;
  close(): Promise<void>;
}

async function fixture(database: SqlDatabase, close: () => Promise<void>): Promise<Fixture> {
  await runMigrations(database, [liftMigrations]);
  return { store: new SqlSigningKeyStore(database), database, close };
}

function newKey(kid: string, createdAt = START): NewSigningKey {
  return {
    kid,
    alg: 'EdDSA',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: `x-${kid}`, kid, alg: 'EdDSA', use: 'sig' },
    privateSealed: `v1.sealed-${kid}`,
    createdAt,
  };
}

async function statuses(store: SigningKeyStore): Promise<Record<string, string>> {
  return Object.fromEntries((await store.list()).map((key) => [key.kid, key.status]));
}

function signingKeyStoreBehaviour(open: () => Promise<Fixture>): void {
  it('inserts pending keys and lists them newest first with numeric times', async () => {
    const { store, close } = await open();
    await store.insert(newKey('a', START));
    await store.insert(newKey('b', START + 1));
    const keys = await store.list();
    expect(keys.map((key) => key.kid)).toEqual(['b', 'a']);
    expect(keys[1]).toEqual({
      kid: 'a',
      alg: 'EdDSA',
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x-a', kid: 'a', alg: 'EdDSA', use: 'sig' },
      privateSealed: 'v1.sealed-a',
      status: 'pending',
      createdAt: START,
      activatedAt: null,
      retiredAt: null,
      verifyUntil: null,
    });
    await store.insert({ ...newKey('h'), alg: 'HS256', publicJwk: null });
    expect((await store.list()).find((key) => key.kid === 'h')?.publicJwk).toBeNull();
    await close();
  });

  it('activates a key and retires the previous one with its verification window, in one step', async () => {
    const { store, close } = await open();
    await store.insert(newKey('a'));
    expect(await store.activate('a', { now: START, previousVerifyUntil: START + HOUR })).toBe(true);
    await store.insert(newKey('b'));
    expect(await store.activate('b', { now: START + 10, previousVerifyUntil: START + 10 + HOUR })).toBe(true);
    const [b, a] = await store.list();
    expect(b).toMatchObject({ kid: 'b', status: 'active', activatedAt: START + 10, retiredAt: null });
    expect(a).toMatchObject({
      kid: 'a',
      status: 'retired',
      activatedAt: START,
      retiredAt: START + 10,
      verifyUntil: START + 10 + HOUR,
    });
    // Only pending keys can be activated.
    expect(await store.activate('a', { now: START + 20, previousVerifyUntil: START })).toBe(false);
    expect(await store.activate('b', { now: START + 20, previousVerifyUntil: START })).toBe(false);
    expect(await store.activate('missing', { now: START + 20, previousVerifyUntil: START })).toBe(false);
    expect(await statuses(store)).toEqual({ a: 'retired', b: 'active' });
    await close();
  });

  it('activates only when the expected key is active, leaving the loser pending until discarded', async () => {
    const { store, close } = await open();
    const first = { now: START, previousVerifyUntil: START + HOUR, expectedActive: null };
    await store.insert(newKey('a'));
    await store.insert(newKey('b'));
    expect(await store.activate('a', first)).toBe(true);
    expect(await store.activate('b', first)).toBe(false);
    expect(await statuses(store)).toEqual({ a: 'active', b: 'pending' });

    expect(await store.activate('b', { ...first, expectedActive: 'stale' })).toBe(false);
    expect(await statuses(store)).toEqual({ a: 'active', b: 'pending' });
    expect(await store.activate('b', { ...first, expectedActive: 'a' })).toBe(true);
    expect(await statuses(store)).toEqual({ a: 'retired', b: 'active' });

    await store.insert(newKey('c'));
    expect(await store.discardPending('b')).toBe(false);
    expect(await store.discardPending('c')).toBe(true);
    expect(await store.discardPending('c')).toBe(false);
    expect(await statuses(store)).toEqual({ a: 'retired', b: 'active' });
    await close();
  });

  it('deletes retired keys once their window has passed, never active or pending ones', async () => {
    const { store, close } = await open();
    for (const [kid, at] of [
      ['a', START],
      ['b', START + HOUR],
      ['c', START + 2 * HOUR],
    ] as const) {
      await store.insert(newKey(kid));
      await store.activate(kid, { now: at, previousVerifyUntil: at + HOUR });
    }
    await store.insert(newKey('pending'));
    // a verifies until START + 2h, b until START + 3h.
    expect(await store.deleteExpired(START + 2 * HOUR)).toBe(0);
    expect(await store.deleteExpired(START + 2 * HOUR + 1)).toBe(1);
    expect(await statuses(store)).toEqual({ b: 'retired', c: 'active', pending: 'pending' });
    expect(await store.deleteExpired(START + 100 * HOUR)).toBe(1);
    expect(await statuses(store)).toEqual({ c: 'active', pending: 'pending' });
    await close();
  });

  it('activates exactly one of many keys offered at once when none is active', async () => {
    const { store, close } = await open();
    const kids = Array.from({ length: 8 }, (_, index) => `k${index}`);
    for (const kid of kids) await store.insert(newKey(kid));
    const results = await Promise.all(
      kids.map((kid) =>
        store.activate(kid, { now: START, previousVerifyUntil: START, expectedActive: null }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const active = (await store.list()).filter((key) => key.status === 'active');
    expect(active.map((key) => key.kid)).toEqual([kids[results.indexOf(true)]]);
    await close();
  });

  it('ends with one active key when unconditional activations race', async () => {
    const { store, close } = await open();
    await store.insert(newKey('first'));
    await store.activate('first', { now: START, previousVerifyUntil: START });
    const kids = Array.from({ length: 8 }, (_, index) => `k${index}`);
    for (const kid of kids) await store.insert(newKey(kid));
    const results = await Promise.all(
      kids.map((kid) => store.activate(kid, { now: START + 1, previousVerifyUntil: START + HOUR })),
    );
    expect(results.every(Boolean)).toBe(true);
    const keys = await store.list();
    expect(keys.filter((key) => key.status === 'active')).toHaveLength(1);
    expect(keys.filter((key) => key.status === 'retired')).toHaveLength(8);
    await close();
  });

  it('refuses a status outside pending/active/retired in the database, and an unknown alg on read', async () => {
    const { store, database, close } = await open();
    await store.insert(newKey('a'));
    await expect(
      database.db
        .updateTable('lift_signing_keys')
        .set({ status: 'revoked' as 'active' })
        .where('kid', '=', 'a')
        .execute(),
    ).rejects.toThrow(/lift_signing_keys_status_check/);
    await database.db
      .updateTable('lift_signing_keys')
      .set({ alg: 'none' as 'EdDSA' })
      .where('kid', '=', 'a')
      .execute();
    await expect(store.list()).rejects.toMatchObject({ code: 'LIFT_CONFIG_INVALID' });
    await close();
  });
}

describe('SqlSigningKeyStore on SQLite', () => {
  signingKeyStoreBehaviour(async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    return fixture(database, () => database.close());
  });
});

const pgUrl = await postgresUrl();

describe.skipIf(!pgUrl)('SqlSigningKeyStore on PostgreSQL', () => {
  signingKeyStoreBehaviour(async () => {
    const schema = await freshPostgresSchemaUrl('signing_keys');
    const database = openSqlDatabase(schema.url, { poolSize: 10 });
    return fixture(database, async () => {
      await database.close();
      await schema.drop();
    });
  });
});
