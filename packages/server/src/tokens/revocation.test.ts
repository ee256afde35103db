import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { MemoryBroker } from '../storage/memory/memory-broker.ts';
import { MemoryKeyValueStore } from '../storage/memory/memory-key-value-store.ts';
import type { KeyValueStore } from '../storage/ports.ts';
import { RevocationState } from './revocation.ts';

const MINUTE = 60_000;
const log = pino({ level: 'silent' });

/** Counts reads so a test can prove the hot path made none. */
function countingKv(kv: KeyValueStore): KeyValueStore & { gets: number } {
  const counted = Object.create(kv) as KeyValueStore & { gets: number };
  counted.gets = 0;
  counted.get = (key: string) => {
    counted.gets += 1;
    return kv.get(key);
  };
  return counted;
}

const open: RevocationState[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((state) => state.close()));
});

async function node(kv: KeyValueStore, broker: MemoryBroker, clock: ManualClock) {
  const state = new RevocationState({
    kv,
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

describe('RevocationState', () => {
  it('revokes by token id, by sid and by user not-before, on every node at once', async () => {
    const clock = new ManualClock();
    const kv = new MemoryKeyValueStore({ clock });
    const broker = new MemoryBroker();
    const [a, b] = [await node(kv, broker, clock), await node(kv, broker, clock)];
    const first = token({}, clock);
    expect(await b.isRevoked(first)).toBe(false);

    await a.revokeTokenId('jti-1', first.expiresAt);
    expect(b.isRevoked(first)).toBe(true);
    expect(await b.isRevoked(token({ jti: 'jti-2' }, clock))).toBe(false);

    await a.revokeSid('family-9');
    expect(b.isRevoked(token({ jti: 'jti-3', sid: 'family-9' }, clock))).toBe(true);

    const before = token({ jti: 'jti-4', sid: 'other', sub: 'user-7' }, clock);
    await a.revokeUserTokens('user-7');
    expect(b.isRevoked(before)).toBe(true);
    clock.advance(1_000);
    // A token issued after "log out everywhere" is fine.
    expect(
      await b.isRevoked(token({ jti: 'jti-5', sid: 'other', sub: 'user-7', issuedAt: clock.now() }, clock)),
    ).toBe(false);
  });

  it('asks the key-value store only during its start-up window, once per token', async () => {
    const clock = new ManualClock();
    const shared = new MemoryKeyValueStore({ clock });
    const broker = new MemoryBroker();
    const early = await node(shared, broker, clock);
    await early.revokeTokenId('jti-old', clock.now() + 9 * MINUTE);

    // A node that starts after the revocation was published learns it from the store.
    const kv = countingKv(shared);
    const late = await node(kv, broker, clock);
    expect(await late.isRevoked(token({ jti: 'jti-old' }, clock))).toBe(true);
    expect(await late.isRevoked(token({ jti: 'jti-new' }, clock))).toBe(false);
    const reads = kv.gets;
    expect(reads).toBeGreaterThan(0);
    expect(await late.isRevoked(token({ jti: 'jti-new' }, clock))).toBe(false);
    expect(kv.gets).toBe(reads);

    // After the window every revocation that matters came through the broker: no reads at all.
    clock.advance(10 * MINUTE);
    const answer = late.isRevoked(token({ jti: 'jti-later', sid: 'f-2', sub: 'u-2' }, clock));
    expect(answer).toBe(false);
    expect(kv.gets).toBe(reads);
  });

  it('writes each entry to the key-value store with a TTL bounded by the token lifetime', async () => {
    const clock = new ManualClock();
    const kv = new MemoryKeyValueStore({ clock });
    const state = await node(kv, new MemoryBroker(), clock);
    await state.revokeSid('family-1');
    await state.revokeTokenId('jti-1', clock.now() + 3 * MINUTE);
    expect(await kv.ttl('tokens:revoked:sid:family-1')).toBe(10 * MINUTE);
    expect(await kv.ttl('tokens:revoked:jti:jti-1')).toBe(3 * MINUTE);
  });
});
