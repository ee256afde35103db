/**
 * Server fixture of `bench/session.ts`: the reference app (examples/notes, which has `GET /me` behind
 * `requireAuth()`) with one verified user who has a password and one session, listening on `BENCH_PORT`.
 * Once listening it prints one `SessionServerReady` line on stdout (session-protocol.ts).
 *
 * Environment:
 * - `BENCH_PORT`, `BENCH_HOST`: where to listen.
 * - `BENCH_DATA_DIR`: an empty temp directory for the SQLite file and mail.
 * - `BENCH_USER_AGENT`: the user agent the load generator sends; the session is created with it and
 *   127.0.0.1, so anomaly binding sees the client that logged in.
 * - `BENCH_SESSION_STORE`: `sql` (the default configuration) or `redis` (`storage.kv` and `storage.broker` set to
 *   `BENCH_REDIS_URL`, which makes sessions live in Redis with SQL as backup).
 * - `BENCH_SESSION_CACHE_TTL_MS`: overrides `sessions.cacheTtlMs` (1 = ask the store on every request).
 * - `BENCH_ACCESS_LOG=0`: turns the access log stage off (a separate row, never the headline).
 * - `BENCH_ARGON2_SAMPLES`: times this many argon2id verifications of the user's password before listening.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LiftConfigInput } from '@lift/server';
import buildNotesApp from '../examples/notes/src/app.ts';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import { listenAddress } from './servers/listen-address.ts';
import { READY_MARKER, type SessionServerReady } from './session-protocol.ts';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set`);
  return value;
}

/**
 * What users run: production mode with the default log level, so the access log writes a line per request to
 * stdout (the harness drains it), as in bench/http.ts. Only what production requires is set.
 */
function configFromEnvironment(): LiftConfigInput {
  const store = process.env.BENCH_SESSION_STORE ?? 'sql';
  if (store !== 'sql' && store !== 'redis') throw new Error(`BENCH_SESSION_STORE: unknown store "${store}"`);
  const cacheTtlMs = process.env.BENCH_SESSION_CACHE_TTL_MS;
  const redisUrl = store === 'redis' ? required('BENCH_REDIS_URL') : undefined;
  const dataDir = required('BENCH_DATA_DIR');
  return {
    env: 'production',
    secret: randomBytes(48).toString('base64url'),
    dataDir,
    mail: { url: `file:${join(dataDir, 'mail')}` },
    // The login measurement makes more attempts from 127.0.0.1 than the default 20 per minute.
    auth: { publicUrl: 'https://notes.example', throttle: { login: 10_000 } },
    ...(redisUrl ? { storage: { kv: redisUrl, broker: redisUrl } } : {}),
    ...(cacheTtlMs ? { sessions: { cacheTtlMs: Number(cacheTtlMs) } } : {}),
    ...(process.env.BENCH_ACCESS_LOG === '0' ? { http: { accessLog: { enabled: false } } } : {}),
  };
}

exitWhenParentExits();
const app = buildNotesApp(configFromEnvironment());
// Production applies no migration by itself (`lift migrate` does it before a deploy).
await app.migrate();
await app.start();
const { deps, sessions, cookie } = app.module('identity');
const email = 'bench@example.com';
const password = 'correct horse battery staple 42';
const user = await deps.users.create({ email });
await deps.users.markEmailVerified(user.id);
const hash = await deps.hasher.hash(password);
await deps.users.setPasswordHash(user.id, hash);

const argon2VerifyMs: number[] = [];
for (let i = 0; i < Number(process.env.BENCH_ARGON2_SAMPLES ?? 0); i++) {
  const start = performance.now();
  if (!(await deps.hasher.verify(hash, password))) throw new Error('argon2id did not verify the password');
  argon2VerifyMs.push(performance.now() - start);
}

const { token, record } = await sessions.create({
  userId: user.id,
  amr: ['pwd'],
  origin: { ip: '127.0.0.1', userAgent: required('BENCH_USER_AGENT') },
});
await app.listen(listenAddress());
process.once('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
const ready: SessionServerReady = {
  cookie: `${cookie.name}=${token}`,
  userId: user.id,
  sessionId: record.id,
  tokenHash: record.tokenHash,
  email,
  password,
  argon2VerifyMs,
};
process.stdout.write(`${READY_MARKER} ${JSON.stringify(ready)}\n`);
