/**
 * Peer fixture of `bench/session.ts`: Better Auth with its defaults (email and password, sessions in its SQLite
 * database through better-sqlite3, no cookie cache) behind node:http. `GET /me` calls `auth.api.getSession`
 * with the request's headers and answers the same JSON as Lift's `GET /me`; the rest of `/api/auth/*` goes to
 * Better Auth's own handler. One user signs up before the server listens; the ready line carries the session
 * cookie of that sign-up (session-protocol.ts), so the load generator sends what a browser would.
 *
 * Environment: `BENCH_PORT`, `BENCH_HOST`, `BENCH_DATA_DIR` (an empty temp directory for the database),
 * `BENCH_USER_AGENT`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { fromNodeHeaders, toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';
import { exitWhenParentExits } from './harness/parent-watch.ts';
import { listenAddress } from './servers/listen-address.ts';
import { READY_MARKER, type SessionServerReady } from './session-protocol.ts';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set`);
  return value;
}

exitWhenParentExits();
const { host, port } = listenAddress();
const baseURL = `http://${host}:${port}`;
const options = {
  baseURL,
  secret: randomBytes(32).toString('base64url'),
  database: new Database(join(required('BENCH_DATA_DIR'), 'better-auth.sqlite')),
  emailAndPassword: { enabled: true },
  // The load comes from one address; Better Auth's limiter (on by default in production) would refuse it.
  rateLimit: { enabled: false },
  logger: { disabled: true },
};
const auth = betterAuth(options);
const { runMigrations } = await getMigrations(options);
await runMigrations();

const email = 'bench@example.com';
const password = 'correct horse battery staple 42';
const signUp = await auth.api.signUpEmail({
  body: { email, password, name: 'Bench' },
  headers: new Headers({ 'user-agent': required('BENCH_USER_AGENT') }),
  asResponse: true,
});
if (!signUp.ok) throw new Error(`Better Auth sign-up answered ${signUp.status}: ${await signUp.text()}`);
const setCookie = signUp.headers.getSetCookie().find((line) => line.includes('session_token='));
if (setCookie === undefined) throw new Error('Better Auth sign-up set no session cookie');
const cookie = setCookie.split(';')[0]!;
const { user, session } = (await signUp.clone().json()) as { user: { id: string }; session?: { id: string } };

const authHandler = toNodeHandler(auth);
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/me') {
    auth.api.getSession({ headers: fromNodeHeaders(req.headers) }).then(
      (found) => {
        if (found === null) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthenticated"}');
          return;
        }
        const body = { id: found.user.id, type: 'user', auth_method: 'session', amr: ['pwd'], fresh: true };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(500).end(String(error));
      },
    );
    return;
  }
  void authHandler(req, res);
});
server.listen(port, host, () => {
  const ready: SessionServerReady = {
    cookie,
    userId: user.id,
    sessionId: session?.id ?? '',
    tokenHash: '',
    email,
    password,
    argon2VerifyMs: [],
  };
  process.stdout.write(`${READY_MARKER} ${JSON.stringify(ready)}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
