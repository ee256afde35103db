import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLift, type LiftApp, requireAuth } from '@lift/server';
import { ManualClock } from '@lift/server/testing';

/**
 * Test support: a real Lift server on a loopback port (SQLite in a temporary directory, memory mail, a manual
 * clock the client shares), a protected `GET /t/me`, verified users, and a fetch that records what the client
 * sends.
 */

export const PASSWORD = 'correct horse battery staple 42';

/** The server's access-token lifetime in these tests (its minimum). */
export const ACCESS_TOKEN_TTL_MS = 10_000;

export interface LiftServer {
  app: LiftApp;
  clock: ManualClock;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the server; `routes` adds test routes before it starts. */
export async function startLiftServer(routes?: (app: LiftApp) => void): Promise<LiftServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-client-'));
  const clock = new ManualClock();
  const app = createLift(
    {
      env: 'test',
      dataDir,
      log: { level: 'silent' },
      mail: { url: 'memory:' },
      passwords: { memoryCost: 8192, timeCost: 1 },
      tokens: { accessTokenTtlMs: ACCESS_TOKEN_TTL_MS },
      auth: { throttle: { login: 1000 } },
    },
    { clock },
  );
  app.group('/t', requireAuth()).get('/me', (ctx) => ({ id: ctx.principal!.id }));
  routes?.(app);
  await app.start();
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    clock,
    url: address.url,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A user with `PASSWORD` and a verified email, made directly in the store. */
export async function createVerifiedUser(
  app: LiftApp,
  email: string,
): Promise<{ id: string; email: string }> {
  const { users, hasher } = app.module('identity').deps;
  const user = await users.create({ email, passwordHash: await hasher.hash(PASSWORD) });
  await users.markEmailVerified(user.id);
  return { id: user.id, email };
}

export interface SentRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Headers;
  /** The body, when it was a string. */
  body: string | null;
}

/** A fetch that records every request before sending it, for `createLiftClient({ fetch })`. */
export function recordingFetch(): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const record: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = typeof init?.body === 'string' ? init.body : null;
    sent.push({ method: request.method, path: url.pathname + url.search, headers: request.headers, body });
    return fetch(request);
  };
  return { fetch: record, sent };
}

/** `METHOD path` of each recorded request, for asserting the exact sequence. */
export function lines(sent: SentRequest[]): string[] {
  return sent.map((request) => `${request.method} ${request.path}`);
}

/** POSTs JSON with no credentials; the problem+json or JSON answer with its status. */
export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function decodeBase32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit TOTP (RFC 6238: HMAC-SHA-1, 30 s steps) an authenticator app shows at `nowMs`. */
export function totp(base32Secret: string, nowMs: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 30_000)));
  const mac = createHmac('sha1', decodeBase32(base32Secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** Turns TOTP on for the user through the API (a session login, enroll, confirm); returns the secret. */
export async function enrollTotp(server: LiftServer, email: string): Promise<string> {
  const login = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`session login: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const enroll = await fetch(`${server.url}/auth/mfa/totp/enroll`, { method: 'POST', headers: { cookie } });
  if (enroll.status !== 200) throw new Error(`enroll: ${enroll.status} ${await enroll.text()}`);
  const { secret } = (await enroll.json()) as { secret: string };
  const confirm = await fetch(`${server.url}/auth/mfa/totp/confirm`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ code: totp(secret, server.clock.now()) }),
  });
  if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status} ${await confirm.text()}`);
  return secret;
}
