/**
 * Lift server fixture of `bench/jwt.ts`: the reference app (examples/notes, `GET /me` behind `requireAuth()`)
 * with one user and one access token, listening on `BENCH_PORT`. Once listening it issues the token and prints
 * one `JwtServerReady` line on stdout (jwt-protocol.ts).
 *
 * Environment:
 * - `BENCH_PORT`, `BENCH_HOST`: where to listen.
 * - `BENCH_DATA_DIR`: an empty temp directory for the SQLite file.
 * - `BENCH_JWT_ALGORITHM`: `HS256` or `EdDSA` (`tokens.algorithm`; EdDSA is Lift's default).
 * - `BENCH_JWT_CACHE_SIZE`: overrides `tokens.verifiedCacheSize` (0 = verify the signature on every request).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { LiftConfigInput } from '@lift/server';
import buildNotesApp from '../examples/notes/src/app.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import { algorithmFromEnvironment, ISSUER, type JwtServerReady, READY_MARKER } from './jwt-protocol.ts';
import { listenAddress } from './servers/listen-address.ts';

/** The longest lifetime Lift allows, so the token outlives any measurement. */
const ACCESS_TOKEN_TTL_MS = 3_600_000;

function configFromEnvironment(): LiftConfigInput {
  const dataDir = process.env.BENCH_DATA_DIR;
  if (dataDir === undefined || dataDir === '') throw new Error('BENCH_DATA_DIR must be set');
  const cacheSize = process.env.BENCH_JWT_CACHE_SIZE;
  // What users run: production mode, default log level (an access line per request to stdout, which the
  // harness drains), as in bench/http.ts; only what production requires is set.
  return {
    env: 'production',
    secret: randomBytes(48).toString('base64url'),
    dataDir,
    mail: { url: `file:${join(dataDir, 'mail')}` },
    auth: { publicUrl: 'https://notes.example' },
    tokens: {
      algorithm: algorithmFromEnvironment(),
      issuer: ISSUER,
      accessTokenTtlMs: ACCESS_TOKEN_TTL_MS,
      ...(cacheSize ? { verifiedCacheSize: Number(cacheSize) } : {}),
    },
  };
}

exitWhenParentExits();
const app = buildNotesApp(configFromEnvironment());
// Production applies no migration by itself (`lift migrate` does it before a deploy).
await app.migrate();
await app.start();
const user = await app.identity.users.create({ email: 'bench@example.com' });
await app.listen(listenAddress());
process.once('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
// Issued last, right before the benchmark loads the server: auth_time is now, so the principal is fresh.
const pair = await app.tokens.issuePair({ userId: user.id, amr: ['pwd'], authTime: Date.now() }, {});
const ready: JwtServerReady = {
  authorization: `Bearer ${pair.access_token}`,
  body: { id: user.id, type: 'user', auth_method: 'bearer', amr: ['pwd'], fresh: true },
};
process.stdout.write(`${READY_MARKER} ${JSON.stringify(ready)}\n`);
