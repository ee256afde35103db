import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import type { MfaFactorStore } from './mfa-factor-store.ts';
import { generateRecoveryCodes } from './recovery-codes.ts';
import { SqlMfaFactorStore } from './sql-mfa-factor-store.ts';

const START = Date.UTC(2026, 0, 1);
const STEP = Math.floor(START / 30_000);

interface Fixture {
  store: MfaFactorStore;
  database: SqlDatabase;
  clock: ManualClock;
  close(): Promise<void>;
}

async function fixture({ database, close }: OpenSql): Promise<Fixture> {
  const clock = new ManualClock(START);
  return { store: new SqlMfaFactorStore(database, { clock }), database, clock, close };
}

/** A user with a confirmed factor whose last used step is STEP. */
async function confirmed(store: MfaFactorStore, userId = 'user-1'): Promise<string[]> {
  const { hashes } = generateRecoveryCodes();
  expect(await store.savePending(userId, `sealed-${userId}`)).toBe(true);
  expect(await store.confirm(userId, hashes, STEP)).toBe(true);
  return hashes;
}

/** Opens every pooled connection, so the concurrent calls that follow really run side by side. */
async function openEveryConnection(store: MfaFactorStore): Promise<void> {
  await Promise.all(Array.from({ length: 10 }, () => store.get('user-1')));
}

function mfaFactorStoreBehaviour(open: () => Promise<Fixture>): void {
  it('saves a pending factor as given and replaces it while it is unconfirmed', async () => {
    const { store, database, clock, close } = await open();
    expect(await store.get('user-1')).toBeNull();
    expect(await store.savePending('user-1', 'v1.iv.first.tag')).toBe(true);
    expect(await store.get('user-1')).toEqual({
      userId: 'user-1',
      type: 'totp',
      secretSealed: 'v1.iv.first.tag',
      confirmedAt: null,
      lastUsedStep: null,
      recoveryCodes: [],
      createdAt: new Date(START),
      updatedAt: new Date(START),
    });
    const row = await database.db
      .selectFrom('lift_mfa_factors')
      .select(['secret_sealed', 'recovery_codes'])
      .executeTakeFirst();
    expect(row).toEqual({ secret_sealed: 'v1.iv.first.tag', recovery_codes: '[]' });

    clock.advance(1_000);
    expect(await store.savePending('user-1', 'v1.iv.second.tag')).toBe(true);
    expect(await store.get('user-1')).toMatchObject({
      secretSealed: 'v1.iv.second.tag',
      confirmedAt: null,
      createdAt: new Date(START + 1_000),
      updatedAt: new Date(START + 1_000),
    });
    expect(await store.get('user-2')).toBeNull();
    await close();
  });

  it('confirms a pending factor once, recording its codes and step', async () => {
    const { store, clock, close } = await open();
    const { hashes } = generateRecoveryCodes();
    expect(await store.confirm('user-1', hashes, STEP)).toBe(false);
    await store.savePending('user-1', 'sealed');
    clock.advance(5_000);
    expect(await store.confirm('user-1', hashes, STEP)).toBe(true);
    const factor = await store.get('user-1');
    expect(factor).toEqual({
      userId: 'user-1',
      type: 'totp',
      secretSealed: 'sealed',
      confirmedAt: new Date(START + 5_000),
      lastUsedStep: STEP,
      recoveryCodes: hashes,
      createdAt: new Date(START),
      updatedAt: new Date(START + 5_000),
    });
    clock.advance(5_000);
    expect(await store.confirm('user-1', ['other'], STEP + 1)).toBe(false);
    expect(await store.get('user-1')).toEqual(factor);
    await close();
  });

  it('never lets savePending overwrite a confirmed factor', async () => {
    const { store, clock, close } = await open();
    await confirmed(store);
    const before = await store.get('user-1');
    clock.advance(1_000);
    expect(await store.savePending('user-1', 'attacker-secret')).toBe(false);
    expect(await store.get('user-1')).toEqual(before);
    await close();
  });

  it('accepts each time step once and only moving forward', async () => {
    const { store, clock, close } = await open();
    await store.savePending('user-1', 'sealed');
    expect(await store.useStep('user-1', STEP)).toBe(false);
    expect(await store.get('user-1')).toMatchObject({ lastUsedStep: null });
    await store.confirm('user-1', [], STEP);

    expect(await store.useStep('user-1', STEP)).toBe(false);
    expect(await store.useStep('user-1', STEP - 1)).toBe(false);
    clock.advance(30_000);
    expect(await store.useStep('user-1', STEP + 1)).toBe(true);
    expect(await store.get('user-1')).toMatchObject({
      lastUsedStep: STEP + 1,
      updatedAt: new Date(START + 30_000),
    });
    expect(await store.useStep('user-1', STEP + 1)).toBe(false);
    expect(await store.useStep('user-1', STEP + 3)).toBe(true);
    expect(await store.useStep('user-1', STEP + 2)).toBe(false);
    expect(await store.useStep('user-2', STEP + 5)).toBe(false);
    await close();
  });

  it('lets exactly one of many concurrent uses of the same step win', async () => {
    const { store, close } = await open();
    await confirmed(store);
    await openEveryConnection(store);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.useStep('user-1', STEP + 1)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get('user-1')).toMatchObject({ lastUsedStep: STEP + 1 });
    await close();
  });

  it('uses a recovery code once by clearing its slot, leaving the others', async () => {
    const { store, clock, close } = await open();
    const hashes = await confirmed(store);
    clock.advance(1_000);
    expect(await store.useRecoveryCode('user-1', 3)).toBe(true);
    const factor = await store.get('user-1');
    expect(factor?.recoveryCodes).toEqual(hashes.map((hash, index) => (index === 3 ? null : hash)));
    expect(factor?.updatedAt).toEqual(new Date(START + 1_000));
    expect(await store.useRecoveryCode('user-1', 3)).toBe(false);
    expect(await store.useRecoveryCode('user-1', 9)).toBe(true);
    for (const index of [10, -1, 1.5, Number.NaN]) {
      expect(await store.useRecoveryCode('user-1', index)).toBe(false);
    }
    expect((await store.get('user-1'))?.recoveryCodes).toEqual([
      ...hashes.slice(0, 3),
      null,
      ...hashes.slice(4, 9),
      null,
    ]);
    expect(await store.useRecoveryCode('user-2', 0)).toBe(false);
    await close();
  });

  it('refuses recovery codes of a pending factor', async () => {
    const { store, close } = await open();
    await store.savePending('user-1', 'sealed');
    expect(await store.useRecoveryCode('user-1', 0)).toBe(false);
    await close();
  });

  it('lets one of many concurrent uses of a code win, and concurrent uses of different codes all win', async () => {
    const { store, close } = await open();
    await confirmed(store);
    await openEveryConnection(store);
    const same = await Promise.all(Array.from({ length: 8 }, () => store.useRecoveryCode('user-1', 0)));
    expect(same.filter(Boolean)).toHaveLength(1);
    const different = await Promise.all(
      Array.from({ length: 9 }, (_, index) => store.useRecoveryCode('user-1', index + 1)),
    );
    expect(different).toEqual(Array.from({ length: 9 }, () => true));
    expect((await store.get('user-1'))?.recoveryCodes).toEqual(Array.from({ length: 10 }, () => null));
    await close();
  });

  it('replaces the recovery codes of a confirmed factor only', async () => {
    const { store, clock, close } = await open();
    await store.savePending('user-2', 'sealed');
    const { hashes } = generateRecoveryCodes();
    expect(await store.replaceRecoveryCodes('user-2', hashes)).toBe(false);
    expect(await store.replaceRecoveryCodes('nobody', hashes)).toBe(false);
    await confirmed(store);
    await store.useRecoveryCode('user-1', 0);
    clock.advance(1_000);
    expect(await store.replaceRecoveryCodes('user-1', hashes)).toBe(true);
    expect(await store.get('user-1')).toMatchObject({
      recoveryCodes: hashes,
      lastUsedStep: STEP,
      updatedAt: new Date(START + 1_000),
    });
    expect((await store.get('user-2'))?.recoveryCodes).toEqual([]);
    await close();
  });

  it('deletes a factor, after which enrolment can start again', async () => {
    const { store, close } = await open();
    await confirmed(store);
    await store.savePending('user-2', 'sealed');
    expect(await store.delete('user-1')).toBe(true);
    expect(await store.delete('user-1')).toBe(false);
    expect(await store.get('user-1')).toBeNull();
    expect(await store.useStep('user-1', STEP + 1)).toBe(false);
    expect(await store.savePending('user-1', 'fresh')).toBe(true);
    expect(await store.get('user-1')).toMatchObject({
      secretSealed: 'fresh',
      confirmedAt: null,
      recoveryCodes: [],
    });
    expect(await store.delete('user-2')).toBe(true);
    await close();
  });
}

for (const target of await migratedSqlTargets('mfa_factors')) {
  describe(`SqlMfaFactorStore on ${target.name}`, () => {
    mfaFactorStoreBehaviour(async () => fixture(await target.open()));
  });
}
