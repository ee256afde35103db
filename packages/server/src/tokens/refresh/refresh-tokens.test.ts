import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { openSecret } from '../../core/crypto/secret-box.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { refreshDatabaseTargets } from './refresh-tokens.fixture.ts';
import { RefreshTokens, type RefreshTokensOptions } from './refresh-tokens.ts';
import { SqlRefreshTokenStore } from './sql-refresh-token-store.ts';

const START = Date.UTC(2026, 0, 1);
const SECOND = 1_000;
const DAY = 24 * 60 * 60 * 1_000;
const KEY = Buffer.alloc(32, 7);
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const LOGIN = { userId: 'user-ada', amr: ['pwd', 'otp'], authTime: START - 5 * SECOND };

interface Fixture {
  database: SqlDatabase;
  clock: ManualClock;
  tokens: RefreshTokens;
  /** Another RefreshTokens on the same database and clock, with different options. */
  withOptions(options: Partial<RefreshTokensOptions>): RefreshTokens;
  close(): Promise<void>;
}

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

async function tokenRows(database: SqlDatabase) {
  return database.db.selectFrom('lift_refresh_tokens').selectAll().orderBy('generation').execute();
}

async function sealedOf(database: SqlDatabase, token: string): Promise<string | null | undefined> {
  const row = await database.db
    .selectFrom('lift_refresh_tokens')
    .select('successor_sealed')
    .where('token_hash', '=', sha256(token))
    .executeTakeFirst();
  return row?.successor_sealed;
}

/** Rotates a token that must rotate, returning the successor. */
async function rotated(tokens: RefreshTokens, token: string, graceMs = 0): Promise<string> {
  const result = await tokens.rotate(token, { graceMs });
  if (result.kind !== 'rotated') throw new Error(`expected a rotation, got ${result.kind}`);
  return result.token;
}

function refreshTokensBehaviour(open: () => Promise<Fixture>): void {
  it('issues a 43-character token and a new family per login', async () => {
    const { tokens, close } = await open();
    const first = await tokens.issue({
      ...LOGIN,
      scope: 'openid notes:read',
      tenantId: 't1',
      dpopJkt: 'jkt',
    });
    expect(first.token).toMatch(TOKEN_SHAPE);
    expect(first.family).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      userId: 'user-ada',
      createdAt: START,
      lastUsedAt: START,
      idleExpiresAt: START + 7 * DAY,
      absoluteExpiresAt: START + 30 * DAY,
      authTime: START - 5 * SECOND,
      amr: ['pwd', 'otp'],
      scope: 'openid notes:read',
      tenantId: 't1',
      dpopJkt: 'jkt',
      revokedAt: null,
      revokedReason: null,
    });
    expect(await tokens.getFamily(first.family.id)).toEqual(first.family);
    expect(await tokens.findFamilyByToken(first.token)).toEqual(first.family);

    const second = await tokens.issue(LOGIN);
    expect(second.family).toMatchObject({ scope: null, tenantId: null, dpopJkt: null });
    expect(second.family.id).not.toBe(first.family.id);
    expect(second.token).not.toBe(first.token);
    expect(await tokens.getFamily('missing')).toBeNull();
    await close();
  });

  it('rotates to a new token in the same family, moving last use and idle expiry', async () => {
    const { tokens, clock, close } = await open();
    const { token, family } = await tokens.issue(LOGIN);
    clock.advance(DAY);
    const result = await tokens.rotate(token);
    expect(result).toEqual({
      kind: 'rotated',
      token: expect.stringMatching(TOKEN_SHAPE),
      family: { ...family, lastUsedAt: START + DAY, idleExpiresAt: START + 8 * DAY },
    });
    if (result.kind !== 'rotated') return;
    expect(result.token).not.toBe(token);
    expect(await rotated(tokens, result.token)).toMatch(TOKEN_SHAPE);
    await close();
  });

  it('revokes the whole family when an exchanged token comes back (graceMs 0)', async () => {
    const { tokens, clock, close } = await open();
    const { token: first, family } = await tokens.issue(LOGIN);
    const second = await rotated(tokens, first);
    const third = await rotated(tokens, second);
    clock.advance(SECOND);

    const reuse = await tokens.rotate(first);
    const revoked = {
      ...family,
      revokedAt: START + SECOND,
      revokedReason: 'reuse_detected',
    };
    expect(reuse).toEqual({ kind: 'reuse_detected', family: revoked });
    expect(await tokens.getFamily(family.id)).toEqual(revoked);
    // The legitimate holder's newest token dies with the family.
    expect(await tokens.rotate(third)).toEqual({ kind: 'invalid' });
    // Every later replay is still reported, with the first revocation kept.
    clock.advance(SECOND);
    expect(await tokens.rotate(second)).toEqual({ kind: 'reuse_detected', family: revoked });
    await close();
  });

  it('hands out the same successor again within the grace window, and counts reuse after it', async () => {
    const { tokens, database, clock, close } = await open();
    const { token: first, family } = await tokens.issue(LOGIN);
    const second = await rotated(tokens, first, 10 * SECOND);

    clock.advance(10 * SECOND - 1);
    const replay = await tokens.rotate(first, { graceMs: 10 * SECOND });
    expect(replay).toEqual({
      kind: 'replayed_within_grace',
      token: second,
      family,
    });
    expect(await tokens.rotate(first, { graceMs: 10 * SECOND })).toMatchObject({ token: second });

    clock.advance(1);
    expect(await sealedOf(database, first)).not.toBeNull();
    expect(await tokens.rotate(first, { graceMs: 10 * SECOND })).toMatchObject({
      kind: 'reuse_detected',
      family: { id: family.id, revokedReason: 'reuse_detected', revokedAt: START + 10 * SECOND },
    });
    // The next attempt after the window cleared the sealed successor.
    expect(await sealedOf(database, first)).toBeNull();
    expect(await tokens.rotate(second, { graceMs: 10 * SECOND })).toEqual({ kind: 'invalid' });
    await close();
  });

  it('never stores a successor with graceMs 0', async () => {
    const { tokens, database, close } = await open();
    const { token } = await tokens.issue(LOGIN);
    await rotated(tokens, token);
    expect((await tokenRows(database)).map((row) => row.successor_sealed)).toEqual([null, null]);
    expect(await tokens.rotate(token, { graceMs: 10 * SECOND })).toMatchObject({ kind: 'reuse_detected' });
    await close();
  });

  it('stores tokens only as SHA-256 and successors only sealed to their family', async () => {
    const { tokens, database, close } = await open();
    const { token: first, family } = await tokens.issue(LOGIN);
    const second = await rotated(tokens, first, 30 * SECOND);
    const rows = await tokenRows(database);
    expect(rows.map((row) => [row.token_hash, Number(row.generation), row.family_id])).toEqual([
      [sha256(first), 0, family.id],
      [sha256(second), 1, family.id],
    ]);
    const families = await database.db.selectFrom('lift_refresh_families').selectAll().execute();
    const stored = JSON.stringify([rows, families]);
    for (const token of [first, second]) {
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(Buffer.from(token, 'base64url').toString('hex'));
    }
    const sealed = rows[0]?.successor_sealed;
    expect(sealed).toMatch(/^v1\./);
    expect(openSecret(KEY, sealed!, { associatedData: family.id }).toString('base64url')).toBe(second);
    expect(() => openSecret(KEY, sealed!, { associatedData: 'another-family' })).toThrow(
      expect.objectContaining({ code: 'LIFT_SECRET_UNREADABLE' }),
    );
    await close();
  });

  it('refuses to open a sealed successor under another key', async () => {
    const { tokens, withOptions, close } = await open();
    const { token } = await tokens.issue(LOGIN);
    await rotated(tokens, token, 10 * SECOND);
    const otherKey = withOptions({ sealingKey: Buffer.alloc(32, 8) });
    await expect(otherKey.rotate(token, { graceMs: 10 * SECOND })).rejects.toMatchObject({
      code: 'LIFT_SECRET_UNREADABLE',
    });
    await close();
  });

  it('clears a sealed successor on the next rotation once its window has passed', async () => {
    const { tokens, database, clock, close } = await open();
    const { token: first } = await tokens.issue(LOGIN);
    const second = await rotated(tokens, first, 10 * SECOND);
    clock.advance(5 * SECOND);
    // Within the first token's window its successor stays, even though that successor moved on.
    const third = await rotated(tokens, second, 10 * SECOND);
    expect(await sealedOf(database, first)).not.toBeNull();
    expect(await tokens.rotate(first, { graceMs: 10 * SECOND })).toMatchObject({
      kind: 'replayed_within_grace',
      token: second,
    });
    clock.advance(5 * SECOND);
    await rotated(tokens, third, 10 * SECOND);
    expect(await sealedOf(database, first)).toBeNull();
    expect(await sealedOf(database, second)).not.toBeNull();
    await close();
  });

  it('ends a family after the idle timeout without rotation, and at its absolute expiry', async () => {
    const { tokens, clock, close } = await open();
    const idle = await tokens.issue(LOGIN);
    clock.advance(7 * DAY - 1);
    const kept = await rotated(tokens, idle.token);
    clock.advance(7 * DAY);
    expect(await tokens.rotate(kept)).toEqual({ kind: 'invalid' });

    clock.set(START);
    let { token } = await tokens.issue(LOGIN);
    for (let day = 6; day <= 24; day += 6) {
      clock.set(START + day * DAY);
      const result = await tokens.rotate(token);
      if (result.kind !== 'rotated') throw new Error(`day ${day}: ${result.kind}`);
      // The idle expiry never passes the absolute one.
      expect(result.family.idleExpiresAt).toBe(Math.min(START + (day + 7) * DAY, START + 30 * DAY));
      token = result.token;
    }
    clock.set(START + 30 * DAY - 1);
    const last = await rotated(tokens, token);
    clock.set(START + 30 * DAY);
    expect(await tokens.rotate(last)).toEqual({ kind: 'invalid' });
    await close();
  });

  it('takes the lifetimes from its options', async () => {
    const { withOptions, clock, close } = await open();
    const tokens = withOptions({ idleTimeoutMs: SECOND, absoluteLifetimeMs: 3 * SECOND });
    const { token, family } = await tokens.issue(LOGIN);
    expect(family).toMatchObject({ idleExpiresAt: START + SECOND, absoluteExpiresAt: START + 3 * SECOND });
    clock.advance(SECOND);
    expect(await tokens.rotate(token)).toEqual({ kind: 'invalid' });
    await close();
  });

  it('answers invalid for unknown tokens and tokens of a revoked family', async () => {
    const { tokens, close } = await open();
    expect(await tokens.rotate('A'.repeat(43))).toEqual({ kind: 'invalid' });
    const { token, family } = await tokens.issue(LOGIN);
    expect(await tokens.revokeFamily(family.id, 'logout')).toBe(true);
    expect(await tokens.revokeFamily(family.id, 'admin')).toBe(false);
    expect(await tokens.revokeFamily('missing', 'logout')).toBe(false);
    expect(await tokens.rotate(token)).toEqual({ kind: 'invalid' });
    expect(await tokens.getFamily(family.id)).toMatchObject({ revokedAt: START, revokedReason: 'logout' });
    await close();
  });

  it('rejects malformed tokens without asking the database', async () => {
    const { tokens, database, close } = await open();
    const { token } = await tokens.issue(LOGIN);
    await database.close();
    for (const malformed of ['', 'short', `${token}A`, `${token.slice(0, 42)}=`, `${token.slice(0, 42)}+`]) {
      expect(await tokens.rotate(malformed)).toEqual({ kind: 'invalid' });
      expect(await tokens.findFamilyByToken(malformed)).toBeNull();
    }
    // The same calls with a well-formed token do reach the (closed) database.
    await expect(tokens.rotate(token)).rejects.toThrow();
    await close();
  });

  it('finds the family of any token it has had, for RFC 7009 revocation', async () => {
    const { tokens, close } = await open();
    const { token: first, family } = await tokens.issue(LOGIN);
    const second = await rotated(tokens, first);
    expect((await tokens.findFamilyByToken(first))?.id).toBe(family.id);
    expect((await tokens.findFamilyByToken(second))?.id).toBe(family.id);
    expect(await tokens.findFamilyByToken('B'.repeat(43))).toBeNull();
    await tokens.revokeFamily(family.id, 'revoked_by_client');
    expect(await tokens.findFamilyByToken(second)).toMatchObject({ revokedReason: 'revoked_by_client' });
    await close();
  });

  it('revokes every live family of one user and returns the ids it revoked', async () => {
    const { tokens, close } = await open();
    const a = await tokens.issue(LOGIN);
    const b = await tokens.issue(LOGIN);
    const gone = await tokens.issue(LOGIN);
    const other = await tokens.issue({ ...LOGIN, userId: 'user-grace' });
    await tokens.revokeFamily(gone.family.id, 'logout');
    const revoked = await tokens.revokeUserFamilies('user-ada', 'password_changed');
    expect(revoked.sort()).toEqual([a.family.id, b.family.id].sort());
    expect(await tokens.revokeUserFamilies('user-ada', 'password_changed')).toEqual([]);
    expect(await tokens.getFamily(gone.family.id)).toMatchObject({ revokedReason: 'logout' });
    expect(await tokens.rotate(a.token)).toEqual({ kind: 'invalid' });
    expect(await tokens.rotate(other.token)).toMatchObject({ kind: 'rotated' });
    await close();
  });

  it('purges families past absolute expiry or revoked longer ago than the lifetime, with their tokens', async () => {
    const { tokens, withOptions, database, clock, close } = await open();
    const longLived = withOptions({ absoluteLifetimeMs: 60 * DAY, idleTimeoutMs: 60 * DAY });
    const expired = await tokens.issue(LOGIN);
    await rotated(tokens, expired.token);
    const revokedEarly = await longLived.issue(LOGIN);
    const live = await longLived.issue(LOGIN);
    clock.advance(DAY);
    await tokens.revokeFamily(revokedEarly.family.id, 'logout');

    expect(await tokens.purgeExpired(START + 30 * DAY - 1)).toBe(0);
    expect(await tokens.purgeExpired(START + 30 * DAY)).toBe(1);
    expect(await tokens.getFamily(expired.family.id)).toBeNull();
    expect(await tokens.findFamilyByToken(expired.token)).toBeNull();
    expect(await tokens.purgeExpired(START + 31 * DAY - 1)).toBe(0);
    expect(await tokens.purgeExpired(START + 31 * DAY)).toBe(1);
    expect(await tokens.getFamily(revokedEarly.family.id)).toBeNull();

    expect((await tokenRows(database)).map((row) => row.family_id)).toEqual([live.family.id]);
    expect(await tokens.getFamily(live.family.id)).toMatchObject({ revokedAt: null });
    await close();
  });

  it('clears sealed successors older than maxGraceMs on purge, keeping the family', async () => {
    const { withOptions, database, clock, close } = await open();
    const tokens = withOptions({ maxGraceMs: 20 * SECOND });
    const { token, family } = await tokens.issue(LOGIN);
    await rotated(tokens, token, 20 * SECOND);
    expect(await tokens.purgeExpired(START + 20 * SECOND - 1)).toBe(0);
    expect(await sealedOf(database, token)).not.toBeNull();
    expect(await tokens.purgeExpired(START + 20 * SECOND)).toBe(0);
    expect(await sealedOf(database, token)).toBeNull();
    clock.advance(SECOND);
    expect(await tokens.getFamily(family.id)).toMatchObject({ revokedAt: null });
    expect(await tokens.rotate(token, { graceMs: 20 * SECOND })).toMatchObject({ kind: 'reuse_detected' });
    await close();
  });

  it('refuses a bad sealing key, lifetime or grace window with LIFT_CONFIG_INVALID', async () => {
    const { tokens, withOptions, close } = await open();
    expect(() => withOptions({ sealingKey: Buffer.alloc(16) })).toThrow(
      expect.objectContaining({ code: 'LIFT_CONFIG_INVALID' }),
    );
    for (const options of [{ idleTimeoutMs: 0 }, { absoluteLifetimeMs: 1.5 }, { maxGraceMs: -1 }]) {
      expect(() => withOptions(options)).toThrow(expect.objectContaining({ code: 'LIFT_CONFIG_INVALID' }));
    }
    const { token } = await tokens.issue(LOGIN);
    for (const graceMs of [-1, 0.5, 60 * SECOND + 1]) {
      await expect(tokens.rotate(token, { graceMs })).rejects.toMatchObject({ code: 'LIFT_CONFIG_INVALID' });
    }
    expect(await tokens.rotate(token, { graceMs: 60 * SECOND })).toMatchObject({ kind: 'rotated' });
    await close();
  });
}

for (const target of await refreshDatabaseTargets('refresh')) {
  describe(`RefreshTokens on ${target.name}`, () => {
    refreshTokensBehaviour(async () => {
      const { database, close } = await target.open();
      const clock = new ManualClock(START);
      const store = new SqlRefreshTokenStore(database);
      const withOptions = (options: Partial<RefreshTokensOptions>) =>
        new RefreshTokens(store, { sealingKey: KEY, clock, ...options });
      return { database, clock, tokens: withOptions({}), withOptions, close };
    });
  });
}
