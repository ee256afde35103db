/**
 * The access-control decision engine (packages/server/src/access/engine), in process, no I/O:
 *
 * - `can()` from cache: 1,000,000 checks of one warmed (subject, tenant), alternating an exact grant, a
 *   `resource:*` grant and a denial. Peer: bare `Set.has` of the same strings in the same loop, the floor a
 *   cached lookup cannot beat.
 * - Build: `new AccessEngine({ roles, grants })` with 10,000 roles in 10 levels of 1,000 (each role inherits
 *   two roles of the next level, so diamonds everywhere; depth 10) and 100,000 grants (20,000 subjects,
 *   5 grants each over 100 tenants and global).
 * - Cold: one subject's effective set computed from scratch (grants → closure over the DAG → set), averaged
 *   over 1,000 distinct subjects each granted one level-0 role (the deepest closure: 55 roles). Peer: copying
 *   the resulting set, the cost of only building a set that size.
 *
 * µs/op is the best of `BENCH_ACCESS_ROUNDS` (5) rounds after a discarded warm-up round; noise only ever makes
 * a round slower. Data come from a fixed-seed PRNG so every run builds the same engine.
 */
import { performance } from 'node:perf_hooks';
import { AccessEngine, type Grant, type RoleDefinition } from '../packages/server/src/access/engine/index.ts';

const LEVELS = 10;
const ROLES_PER_LEVEL = 1_000;
const PERMISSIONS_PER_ROLE = 5;
const SUBJECTS = 20_000;
const GRANTS_PER_SUBJECT = 5;
const TENANTS = 100;
const CAN_CALLS = 1_000_000;
const COLD_SUBJECTS = 1_000;

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** mulberry32: a fixed-seed PRNG, so the data set is the same on every run. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function roleId(level: number, index: number): string {
  return `l${level}r${index % ROLES_PER_LEVEL}`;
}

function makeRoles(): RoleDefinition[] {
  const roles: RoleDefinition[] = [];
  for (let level = 0; level < LEVELS; level++) {
    for (let index = 0; index < ROLES_PER_LEVEL; index++) {
      const permissions = Array.from({ length: PERMISSIONS_PER_ROLE }, (_, p) =>
        p === 0 ? `res${level}x${index}:*` : `res${level}x${index}:act${p}`,
      );
      const inherits = level + 1 < LEVELS ? [roleId(level + 1, index), roleId(level + 1, index + 1)] : [];
      roles.push({ id: roleId(level, index), permissions, inherits });
    }
  }
  return roles;
}

function makeGrants(random: () => number): Grant[] {
  const grants: Grant[] = [];
  for (let s = 0; s < SUBJECTS; s++) {
    for (let g = 0; g < GRANTS_PER_SUBJECT; g++) {
      const level = Math.floor(random() * LEVELS);
      const role = roleId(level, Math.floor(random() * ROLES_PER_LEVEL));
      const tenantId = g === 0 && s % 50 === 0 ? null : `t${Math.floor(random() * TENANTS)}`;
      grants.push({ subject: `user${s}`, role, tenantId });
    }
  }
  return grants;
}

function bestOf(rounds: number, run: () => number): number {
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) best = Math.min(best, run());
  return best;
}

function timeMicros(ops: number, body: () => void): number {
  const start = performance.now();
  body();
  return ((performance.now() - start) * 1000) / ops;
}

function fixed(micros: number): string {
  return micros < 10 ? micros.toFixed(3) : micros.toFixed(1);
}

const rounds = envNumber('BENCH_ACCESS_ROUNDS', 5);
const roles = makeRoles();
const grants = makeGrants(prng(42));

// Build: the whole engine from its data (validation, cycle check, indexes).
const buildMs =
  bestOf(Math.min(rounds, 3), () => timeMicros(1, () => new AccessEngine({ roles, grants }))) / 1000;

const engine = new AccessEngine({ roles, grants });
for (let s = 0; s < COLD_SUBJECTS; s++)
  engine.addGrant({ subject: `cold${s}`, role: roleId(0, s), tenantId: 'tc' });

// can() from cache.
engine.addGrant({ subject: 'hot', role: roleId(0, 0), tenantId: 't0' });
const checks = [`res0x0:act1`, `res3x0:delete`, `res0x999:act1`];
const expected = checks.map((permission) => engine.can('hot', permission, 't0'));
if (expected.join() !== 'true,true,false') throw new Error(`unexpected decisions: ${expected.join()}`);
const hotSet = new Set(engine.effectivePermissions('hot', 't0'));
let sink = 0;
const canMicros = bestOf(rounds, () =>
  timeMicros(CAN_CALLS, () => {
    for (let i = 0; i < CAN_CALLS; i++) if (engine.can('hot', checks[i % 3]!, 't0')) sink++;
  }),
);
const setMicros = bestOf(rounds, () =>
  timeMicros(CAN_CALLS, () => {
    for (let i = 0; i < CAN_CALLS; i++) if (hotSet.has(checks[i % 3]!)) sink++;
  }),
);

// Cold: each round invalidates and recomputes 1,000 subjects' sets.
let coldSize = 0;
const coldMicros = bestOf(rounds, () => {
  engine.invalidate(undefined, 'tc');
  return timeMicros(COLD_SUBJECTS, () => {
    for (let s = 0; s < COLD_SUBJECTS; s++) coldSize = engine.effectivePermissions(`cold${s}`, 'tc').size;
  });
});
const coldSets = Array.from({ length: COLD_SUBJECTS }, (_, s) =>
  engine.effectivePermissions(`cold${s}`, 'tc'),
);
const copyMicros = bestOf(rounds, () =>
  timeMicros(COLD_SUBJECTS, () => {
    for (const set of coldSets) sink += new Set(set).size;
  }),
);

console.log(
  `access engine: ${roles.length} roles (depth ${LEVELS}), ${grants.length} grants, node ${process.version}`,
);
console.log(`  build engine                    ${buildMs.toFixed(1)} ms`);
console.log(
  `  can() from cache                ${fixed(canMicros)} µs/op  (bare Set.has ${fixed(setMicros)} µs/op, ${(canMicros / setMicros).toFixed(1)}×)  target ≤ 1 µs: ${canMicros <= 1 ? 'PASS' : 'FAIL'}`,
);
console.log(
  `  cold effective set (${coldSize} perms)  ${fixed(coldMicros)} µs/subject  (copying the set ${fixed(copyMicros)} µs, ${(coldMicros / copyMicros).toFixed(1)}×)`,
);
if (sink < 0) console.log(sink);
