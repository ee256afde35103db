/**
 * In-process timing child of `bench/access.ts`, on the reference app seeded like the server fixture
 * (access-fixture.ts), after a first call has computed and cached the subjects' effective permission sets:
 *
 * - `app.access.control.can()` and `authorize()`, ns per call; peer: `Set.has` of one string in the same loop.
 * - CPU (user + system) per request of the four routes through `app.fetch`, no network, one request at a time
 *   with the viewer's bearer token, each guarded route and its twin in alternating blocks: on a shared machine
 *   this separates what the guard costs from the neighbours' noise that moves the loopback numbers.
 *
 * Prints one `CanResult` line. Environment: `BENCH_CAN_CALLS` (1,000,000 per round), `BENCH_CAN_ROUNDS` (5,
 * after a discarded warm-up round), `BENCH_FETCH_REQUESTS` (1,000 per block), `BENCH_FETCH_BLOCKS` (40 per
 * route, after 2 discarded).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Principal } from '@lift/server';
import { addBenchRoutes, buildNotesApp, firstPage, type NotesPage, seedTenant } from './access-fixture.ts';
import {
  CAN_MARKER,
  type CanResult,
  type CanTiming,
  type PairCpu,
  ROUTES,
  type RouteName,
} from './access-protocol.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** ns per call of `operation`, which must answer `expected` every time (so nothing is optimised away). */
function timeCalls(name: string, operation: () => boolean, expected: boolean, calls: number): number {
  let mismatches = 0;
  const start = performance.now();
  for (let i = 0; i < calls; i++) if (operation() !== expected) mismatches++;
  const elapsedMs = performance.now() - start;
  if (mismatches > 0) throw new Error(`${name}: ${mismatches} calls did not answer ${expected}`);
  return (elapsedMs * 1e6) / calls;
}

function principal(userId: string): Principal {
  return {
    type: 'user',
    id: userId,
    userId,
    sessionId: null,
    authMethod: 'bearer',
    amr: ['pwd'],
    authTime: Date.now(),
    fresh: true,
  };
}

/** Runs every operation once per round (order alternating), the first round discarded; best and all rounds. */
function inRounds<K extends string>(names: readonly K[], rounds: number, time: (name: K) => number) {
  const perRound = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round <= rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const value = time(name);
      if (round > 0) perRound.get(name)!.push(value);
    }
  }
  return (name: K) => {
    const values = perRound.get(name)!;
    return { best: Math.min(...values), rounds: values };
  };
}

exitWhenParentExits();
const calls = envNumber('BENCH_CAN_CALLS', 1_000_000);
const requestsPerBlock = envNumber('BENCH_FETCH_REQUESTS', 1_000);
const blocks = envNumber('BENCH_FETCH_BLOCKS', 40);
const rounds = envNumber('BENCH_CAN_ROUNDS', 5);
const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-access-can-'));
const app = buildNotesApp({ env: 'test', dataDir, log: { level: 'warn' } });
let page: NotesPage | undefined;
addBenchRoutes(app, () => page!);
await app.start();
try {
  const seeded = await seedTenant(app);
  page = await firstPage(app, seeded.tenantId);
  const control = app.access.control;
  const viewer = principal(seeded.viewerId);
  const member = principal(seeded.memberId);
  const tenant = seeded.tenantId;
  const own = { ownerId: seeded.memberId, tenantId: tenant };
  const held = new Set(['tenant:read', 'members:read', 'notes:read']);
  const operations = {
    allowed: [() => control.can(viewer, 'notes:read', tenant), true],
    denied: [() => control.can(viewer, 'notes:update', tenant), false],
    authorizeOwn: [() => control.authorize(member, 'notes:update', own, tenant), true],
    setHas: [() => held.has('notes:read'), true],
  } as const satisfies Record<string, readonly [() => boolean, boolean]>;
  const canTimes = inRounds(Object.keys(operations) as Array<keyof typeof operations>, rounds, (name) =>
    timeCalls(name, operations[name][0], operations[name][1], calls),
  );
  const canTiming = (name: keyof typeof operations): CanTiming => {
    const { best, rounds: all } = canTimes(name);
    return { nanosPerCall: best, roundNanosPerCall: all };
  };

  // CPU per request through app.fetch. Timed synchronously around an awaited loop, so measured as CPU time.
  const pair = await app.tokens.issuePair(
    { userId: seeded.viewerId, amr: ['pwd'], authTime: Date.now() },
    {},
  );
  const headers = { authorization: `Bearer ${pair.access_token}` };
  const expected = JSON.stringify(page);
  const fetchRoute = async (route: RouteName) => {
    const response = await app.fetch(new Request(`http://127.0.0.1${ROUTES[route](tenant)}`, { headers }));
    const body = await response.text();
    if (response.status !== 200 || body !== expected) {
      throw new Error(`${route} answered ${response.status} ${body.slice(0, 200)}`);
    }
  };
  // Each pair in blocks measured back to back (which goes first alternates), so the machine's slow and fast
  // stretches hit both routes alike; medians over the blocks, the first two blocks discarded as warm-up.
  const cpuOfBlock = async (route: RouteName) => {
    const before = process.cpuUsage();
    for (let i = 0; i < requestsPerBlock; i++) await fetchRoute(route);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / requestsPerBlock;
  };
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const fetchCpu: PairCpu[] = [];
  for (const [guarded, open] of [
    ['dbGuarded', 'dbAuthOnly'],
    ['memoryGuarded', 'memoryAuthOnly'],
  ] as const) {
    const guardedCpu: number[] = [];
    const openCpu: number[] = [];
    for (let block = 0; block < blocks + 2; block++) {
      const first = block % 2 === 0 ? guarded : open;
      const second = first === guarded ? open : guarded;
      const a = await cpuOfBlock(first);
      const b = await cpuOfBlock(second);
      if (block < 2) continue;
      guardedCpu.push(first === guarded ? a : b);
      openCpu.push(first === guarded ? b : a);
    }
    fetchCpu.push({
      guarded,
      open,
      guardedMicros: median(guardedCpu),
      openMicros: median(openCpu),
      extraMicros: median(guardedCpu.map((micros, i) => micros - openCpu[i]!)),
      ratio: median(guardedCpu.map((micros, i) => openCpu[i]! / micros)),
    });
  }

  const result: CanResult = {
    rounds,
    callsPerRound: calls,
    allowed: canTiming('allowed'),
    denied: canTiming('denied'),
    authorizeOwn: canTiming('authorizeOwn'),
    setHas: canTiming('setHas'),
    requestsPerBlock,
    blocks,
    fetchCpu,
  };
  process.stdout.write(`${CAN_MARKER} ${JSON.stringify(result)}\n`);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
