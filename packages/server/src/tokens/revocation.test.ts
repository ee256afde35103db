import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import { MemoryBroker } from '../storage/memory/memory-broker.ts';
import { RevocationState } from './revocation.ts';
import type { RevocationStore } from './revocation-store.ts';
import { SqlRevocationStore } from './sql-revocation-store.ts';

const MINUTE = 60_000;
const log = pino({ level: 'silent' });

const open: RevocationState[] = [];
const databases: OpenSql[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((state) => state.close()));
  await Promise.all(databases.splice(0).map((database) => database.close()));
});

async function node(store: RevocationStore, broker: MemoryBroker, clock: ManualClock) {
  const state = new RevocationState({
    store,
    broker: () => broker,
    clock,
    log,
    maxTokenLifetimeMs: 10 * MINUTE,
  });
  await state.start();
  open.push(state);
  return state;
}

const token = (
  overrides: Partial<{ jti: string; sid: string; sub: string; issuedAt: number }>,
  clock: ManualClock,
) => ({
  jti: 'jti-1',
  sid: 'family-1',
  sub: 'user-1',
  issuedAt: clock.now() - 1_000,
  expiresAt: clock.now() + 9 * MINUTE,
  ...overrides,
});

describe.each(await migratedSqlTargets('revocation'))('RevocationState on $name', (target) => {
  async function sqlStore(): Promise<SqlRevocationStore> {
    const database = await target.open();
    databases.push(database);
    return new SqlRevocationStore(database.database);
  }

  it('revokes by token id, by sid and by user not-before, on every node at once', async () => {
    const clock = new ManualClock();
    const store = await sqlStore();
    const broker = new MemoryBroker();
    const [a, b] = [await node(store, broker, clock), await node(store, broker, clock)];
    const first = token({}, clock);
    expect(b.isRevoked(first)).toBe(false);

    await a.revokeTokenId('jti-1', first.expiresAt);
    expect(b.isRevoked(first)).toBe(true);
    expect(b.isRevoked(token({ jti: 'jti-2' }, clock))).toBe(false);

    await a.revokeSid('family-9');
    expect(b.isRevoked(token({ jti: 'jti-3', sid: 'family-9' }, clock))).toBe(true);

    const before = token({ jti: 'jti-4', sid: 'other', sub: 'user-7' }, clock);
    await a.revokeUserTokens('user-7');
    expect(b.isRevoked(before)).toBe(true);
    clock.advance(1_000);
    // A token issued after "log out everywhere" is fine.
    expect(
      b.isRevoked(token({ jti: 'jti-5', sid: 'other', sub: 'user-7', issuedAt: clock.now() }, clock)),
    ).toBe(false);
  });

  it('a node that starts later reads every live revocation from the store', async () => {
    const clock = new ManualClock();
    const store = await sqlStore();
    const early = await node(store, new MemoryBroker(), clock);
    await early.revokeTokenId('jti-old', clock.now() + 9 * MINUTE);
    await early.revokeUserTokens('user-3');

    // Another broker: the late node heard none of it.
    const late = await node(store, new MemoryBroker(), clock);
    expect(late.isRevoked(token({ jti: 'jti-old' }, clock))).toBe(true);
    expect(late.isRevoked(token({ jti: 'jti-x', sid: 'f-x', sub: 'user-3' }, clock))).toBe(true);
    expect(late.isRevoked(token({ jti: 'jti-new' }, clock))).toBe(false);
  });

  it('keeps the later not-before and expiry of an entry, and purges entries whose tokens have expired', async () => {
    const clock = new ManualClock();
    const store = await sqlStore();
    await store.save({ kind: 'user', value: 'u', at: 2_000, until: clock.now() + 5 * MINUTE });
    await store.save({ kind: 'user', value: 'u', at: 1_000, until: clock.now() + 3 * MINUTE });
    await store.save({ kind: 'jti', value: 'j', at: 0, until: clock.now() + MINUTE });
    expect(await store.live(clock.now())).toEqual(
      expect.arrayContaining([
        { kind: 'user', value: 'u', at: 2_000, until: clock.now() + 5 * MINUTE },
        { kind: 'jti', value: 'j', at: 0, until: clock.now() + MINUTE },
      ]),
    );
    clock.advance(2 * MINUTE);
    expect(await store.purgeExpired(clock.now())).toBe(1);
    expect(await store.live(clock.now())).toEqual([
      { kind: 'user', value: 'u', at: 2_000, until: clock.now() + 3 * MINUTE },
    ]);
  });
});
