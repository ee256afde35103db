import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { type RefreshDatabaseTarget, refreshDatabaseTargets } from './refresh-tokens.fixture.ts';
import { RefreshTokens, type RotateRefreshTokenResult } from './refresh-tokens.ts';
import { SqlRefreshTokenStore } from './sql-refresh-token-store.ts';

/**
 * Many rotations of one token at once must have exactly one winner, whether they share a process or come
 * from two servers with their own connection pools on one PostgreSQL schema.
 */

const KEY = Buffer.alloc(32, 7);
const RACERS = 12;
const ROUNDS = 5;
const GRACE_MS = 10_000;

interface Nodes {
  database: SqlDatabase;
  nodes: RefreshTokens[];
  close(): Promise<void>;
}

type OpenNodes = () => Promise<Nodes>;

function nodesOn(target: RefreshDatabaseTarget, count: 1 | 2): OpenNodes {
  return async () => {
    const opened = await target.open();
    const clock = new ManualClock();
    const databases = [opened.database];
    if (count === 2) databases.push(opened.openSecondNode!());
    const nodes = databases.map(
      (database) => new RefreshTokens(new SqlRefreshTokenStore(database), { sealingKey: KEY, clock }),
    );
    return { database: opened.database, nodes, close: opened.close };
  };
}

/** Issues a family on the first node and rotates its token from every node at once, alternating. */
async function race(nodes: RefreshTokens[], graceMs: number) {
  const { token, family } = await nodes[0]!.issue({ userId: 'user-ada', amr: ['pwd'], authTime: 0 });
  const results = await Promise.all(
    Array.from({ length: RACERS }, (_, index) => nodes[index % nodes.length]!.rotate(token, { graceMs })),
  );
  const byKind = (kind: RotateRefreshTokenResult['kind']) => results.filter((result) => result.kind === kind);
  return { family, results, byKind };
}

async function tokensOfFamily(database: SqlDatabase, familyId: string): Promise<number> {
  const rows = await database.db
    .selectFrom('lift_refresh_tokens')
    .select('token_hash')
    .where('family_id', '=', familyId)
    .execute();
  return rows.length;
}

function raceBehaviour(open: OpenNodes): void {
  it(`graceMs 0: one of ${RACERS} rotations wins, every other is reuse and revokes the family`, async () => {
    const { database, nodes, close } = await open();
    for (let round = 0; round < ROUNDS; round++) {
      const { family, byKind } = await race(nodes, 0);
      const [winner, ...others] = byKind('rotated');
      expect(others).toEqual([]);
      expect(byKind('reuse_detected')).toHaveLength(RACERS - 1);
      for (const loser of byKind('reuse_detected')) {
        expect(loser).toMatchObject({ family: { id: family.id, revokedReason: 'reuse_detected' } });
      }
      expect(await nodes[0]!.getFamily(family.id)).toMatchObject({ revokedReason: 'reuse_detected' });
      expect(await tokensOfFamily(database, family.id)).toBe(2);
      if (winner?.kind !== 'rotated') throw new Error('no rotation won');
      expect(await nodes.at(-1)!.rotate(winner.token)).toEqual({ kind: 'invalid' });
    }
    await close();
  });

  it(`graceMs > 0: one of ${RACERS} rotations wins, every other gets the same successor`, async () => {
    const { database, nodes, close } = await open();
    for (let round = 0; round < ROUNDS; round++) {
      const { family, results, byKind } = await race(nodes, GRACE_MS);
      const [winner, ...others] = byKind('rotated');
      expect(others).toEqual([]);
      if (winner?.kind !== 'rotated') throw new Error('no rotation won');
      expect(byKind('replayed_within_grace')).toHaveLength(RACERS - 1);
      expect(new Set(results.map((result) => 'token' in result && result.token))).toEqual(
        new Set([winner.token]),
      );
      expect(await tokensOfFamily(database, family.id)).toBe(2);
      expect(await nodes[0]!.getFamily(family.id)).toMatchObject({ revokedAt: null });
      expect(await nodes.at(-1)!.rotate(winner.token, { graceMs: GRACE_MS })).toMatchObject({
        kind: 'rotated',
      });
    }
    await close();
  });
}

const targets = await refreshDatabaseTargets('refresh_race');

for (const target of targets) {
  describe(`Concurrent refresh rotation on ${target.name}, one process`, () => {
    raceBehaviour(nodesOn(target, 1));
  });
}

const postgres = targets.find((target) => target.name === 'PostgreSQL');

describe.skipIf(!postgres)(
  'Concurrent refresh rotation on PostgreSQL, two nodes with their own pools',
  () => {
    if (postgres) raceBehaviour(nodesOn(postgres, 2));
  },
);
