/**
 * Server fixture of `bench/access.ts`: the reference app (examples/notes) with every default stage, plus three
 * twins of its `GET /tenants/:tenantId/notes` (access-fixture.ts `addBenchRoutes`). Every route validates the
 * same input and answers the same JSON. Listens on `BENCH_PORT`, then issues access tokens
 * and prints one `AccessServerReady` line.
 *
 * Environment: `BENCH_PORT`, `BENCH_HOST`, `BENCH_DATA_DIR` (an empty temp directory for the SQLite file).
 */
import { addBenchRoutes, buildNotesApp, firstPage, type NotesPage, seedTenant } from './access-fixture.ts';
import { type AccessServerReady, READY_MARKER } from './access-protocol.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import { listenAddress } from './servers/listen-address.ts';

/** The longest lifetime Lift allows, so the tokens outlive any measurement. */
const ACCESS_TOKEN_TTL_MS = 3_600_000;

exitWhenParentExits();
const dataDir = process.env.BENCH_DATA_DIR;
if (dataDir === undefined || dataDir === '') throw new Error('BENCH_DATA_DIR must be set');
const app = buildNotesApp({
  env: 'test',
  dataDir,
  // As in bench/http.ts: the access log stage runs, but its lines (level info) are not written.
  log: { level: 'warn' },
  tokens: { accessTokenTtlMs: ACCESS_TOKEN_TTL_MS },
});
// Registered before the first request, as routes must be; the page is read once the data exist.
let page: NotesPage | undefined;
addBenchRoutes(app, () => {
  if (page === undefined) throw new Error('no page yet');
  return page;
});

await app.start();
const seeded = await seedTenant(app);
page = await firstPage(app, seeded.tenantId);
await app.listen(listenAddress());
process.once('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
const bearer = async (userId: string) => {
  const pair = await app.tokens.issuePair({ userId, amr: ['pwd'], authTime: Date.now() }, {});
  return `Bearer ${pair.access_token}`;
};
const ready: AccessServerReady = {
  tenantId: seeded.tenantId,
  authorization: await bearer(seeded.viewerId),
  outsiderAuthorization: await bearer(seeded.outsiderId),
  body: page,
};
process.stdout.write(`${READY_MARKER} ${JSON.stringify(ready)}\n`);
