/**
 * What `bench/access.ts` exchanges with its children: the server fixture's ready line (access-server.ts) and
 * the in-process timing child's result line (access-can.ts: `can()`, and CPU per request). One line on stdout each, a marker and JSON; both
 * sides validate.
 */

/** Starts the server fixture's ready line; the JSON of an `AccessServerReady` follows after one space. */
export const READY_MARKER = 'BENCH_ACCESS_READY';
/** Starts the timing child's result line; the JSON of a `CanResult` follows after one space. */
export const CAN_MARKER = 'BENCH_ACCESS_CAN';

/** The four routes every fixture serves, all with the same input schemas and the same JSON answer. */
export const ROUTES = {
  /** The reference app's own route: requireAuth() + requirePermission('notes:read') + the SQL query. */
  dbGuarded: (tenantId: string) => `/tenants/${tenantId}/notes`,
  /** The same handler and query behind requireAuth() only. */
  dbAuthOnly: (tenantId: string) => `/unguarded/tenants/${tenantId}/notes`,
  /** requireAuth() + requirePermission('notes:read'), answering a page read once at startup. */
  memoryGuarded: (tenantId: string) => `/memory/tenants/${tenantId}/notes`,
  /** The in-memory page behind requireAuth() only. */
  memoryAuthOnly: (tenantId: string) => `/memory/unguarded/tenants/${tenantId}/notes`,
} as const;
export type RouteName = keyof typeof ROUTES;

export interface AccessServerReady {
  tenantId: string;
  /** `Authorization` of a `viewer` of the tenant: holds `notes:read` there. */
  authorization: string;
  /** `Authorization` of a user of no tenant: refused by the permission guard, let through without it. */
  outsiderAuthorization: string;
  /** What every route answers the viewer (the tenant's notes, first page). */
  body: Record<string, unknown>;
}

/** One timed call: ns per call, best round, and every round. */
export interface CanTiming {
  nanosPerCall: number;
  roundNanosPerCall: number[];
}

export interface CanResult {
  rounds: number;
  callsPerRound: number;
  /** `app.access.control.can(viewer, 'notes:read', tenant)`: allowed, from the node's cached effective set. */
  allowed: CanTiming;
  /** `can(viewer, 'notes:update', tenant)`: denied, same cache. */
  denied: CanTiming;
  /** `authorize(member, 'notes:update', { ownerId: member, tenantId })`: allowed through `notes:update:own`. */
  authorizeOwn: CanTiming;
  /** A `Set.has` of one string in the same loop: the floor. */
  setHas: CanTiming;
  /** CPU per request through `app.fetch` (no network): blocks of sequential requests, paired back to back. */
  requestsPerBlock: number;
  blocks: number;
  fetchCpu: PairCpu[];
}

/** One guarded route and its unguarded twin, measured in alternating blocks. */
export interface PairCpu {
  guarded: RouteName;
  open: RouteName;
  /** Median over the blocks of the CPU (user + system) µs per request. */
  guardedMicros: number;
  openMicros: number;
  /** Median over the block pairs of (guarded − unguarded) µs per request. */
  extraMicros: number;
  /** Median over the block pairs of unguarded ÷ guarded CPU per request: requests per CPU second, guarded ÷ unguarded. */
  ratio: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function markedJson(stdout: string, marker: string): unknown | null {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${marker} `));
  return line === undefined ? null : JSON.parse(line.slice(marker.length + 1));
}

/** The ready line in a fixture's stdout, or null while it has not been printed. */
export function findReadyLine(stdout: string): AccessServerReady | null {
  const value = markedJson(stdout, READY_MARKER);
  if (value === null) return null;
  if (
    !isRecord(value) ||
    typeof value.tenantId !== 'string' ||
    typeof value.authorization !== 'string' ||
    typeof value.outsiderAuthorization !== 'string' ||
    !isRecord(value.body)
  ) {
    throw new Error(`malformed ready line: ${JSON.stringify(value).slice(0, 300)}`);
  }
  return value as unknown as AccessServerReady;
}

function isTiming(value: unknown): value is CanTiming {
  return (
    isRecord(value) &&
    typeof value.nanosPerCall === 'number' &&
    Array.isArray(value.roundNanosPerCall) &&
    value.roundNanosPerCall.every((nanos) => typeof nanos === 'number')
  );
}

/** The timing child's result line, or null when it printed none. */
export function findCanResult(stdout: string): CanResult | null {
  const value = markedJson(stdout, CAN_MARKER);
  if (value === null) return null;
  const valid =
    isRecord(value) &&
    typeof value.rounds === 'number' &&
    typeof value.callsPerRound === 'number' &&
    isTiming(value.allowed) &&
    isTiming(value.denied) &&
    isTiming(value.authorizeOwn) &&
    isTiming(value.setHas) &&
    typeof value.requestsPerBlock === 'number' &&
    typeof value.blocks === 'number' &&
    Array.isArray(value.fetchCpu) &&
    value.fetchCpu.every(
      (entry) =>
        isRecord(entry) &&
        typeof entry.guarded === 'string' &&
        entry.guarded in ROUTES &&
        typeof entry.open === 'string' &&
        entry.open in ROUTES &&
        ['guardedMicros', 'openMicros', 'extraMicros', 'ratio'].every(
          (key) => typeof entry[key] === 'number',
        ),
    );
  if (!valid) throw new Error(`malformed can() result: ${JSON.stringify(value).slice(0, 300)}`);
  return value as unknown as CanResult;
}
