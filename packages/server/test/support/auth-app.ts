import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLift, type LiftApp, type LiftOptions } from '../../src/app/create-lift.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { LiftEvent } from '../../src/core/events.ts';
import type { MemoryMailTransport } from '../../src/mail/index.ts';

/**
 * Test support for the identity flows: an app on a fresh SQLite file with memory mail, a manual clock, fast
 * argon2id parameters, every event recorded, and `Browser`s that keep the session cookie like a browser.
 */

export interface AuthApp {
  app: LiftApp;
  clock: ManualClock;
  mail: MemoryMailTransport;
  events: LiftEvent[];
  close(): Promise<void>;
}

/** Cheapest argon2id the config allows: tests exercise the flows, not the hash cost. */
export const FAST_PASSWORDS = { memoryCost: 8192, timeCost: 1 } as const;

/** `extra` over `base`, nested objects merged key by key (test configs). */
export function merge(
  base: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

export async function startAuthApp(
  config: LiftConfigInput = {},
  clock = new ManualClock(),
  options: Omit<LiftOptions, 'clock'> = {},
): Promise<AuthApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-auth-'));
  const base = {
    env: 'test',
    dataDir,
    log: { level: 'silent' },
    mail: { url: 'memory:' },
    passwords: FAST_PASSWORDS,
    auth: { publicUrl: 'http://lift.test' },
    sessions: { purgeIntervalMs: 3_600_000 },
  };
  const app = createLift(merge(base, config as Record<string, unknown>) as LiftConfigInput, {
    ...options,
    clock,
  });
  await app.start();
  const events: LiftEvent[] = [];
  const unsubscribe = await app.identity.events.subscribe((event) => events.push(event));
  return {
    app,
    clock,
    mail: app.mail as MemoryMailTransport,
    events,
    async close() {
      await unsubscribe();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      // Closed error codes: every answer a flow gave had a code/status pair the catalogue declares.
      if (app.stats.uncataloguedErrors > 0) {
        throw new Error(
          `${app.stats.uncataloguedErrors} answers carried an error code the app does not declare`,
        );
      }
    },
  };
}

export interface BrowserOptions {
  /** Sent as the client address (`env.remoteAddress`). */
  ip?: string;
  userAgent?: string;
}

/** A client that keeps the session cookie between requests, like a browser on the app's own origin. */
export class Browser {
  cookie: string | null = null;
  constructor(
    readonly app: LiftApp,
    readonly options: BrowserOptions = {},
  ) {}

  get cookieName(): string {
    return this.app.identity.cookie.name;
  }

  async request(
    path: string,
    init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent ?? 'Mozilla/5.0 Firefox/133.0',
      ...init.headers,
    };
    if (this.cookie !== null) headers.cookie = `${this.cookieName}=${this.cookie}`;
    let body: string | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const request = new Request(`http://lift.test${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers,
      body,
    });
    const response = await this.app.fetch(request, { remoteAddress: this.options.ip ?? '198.51.100.7' });
    // Events run after the answer (core/events.ts); a test looks at them, and their effects, once they have.
    await this.app.events.settled();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = (pair ?? '').split('=');
      if (name === this.cookieName)
        this.cookie = value === '' || /Max-Age=0\b/.test(line) ? null : (value ?? null);
    }
    return response;
  }

  post(path: string, json: unknown = {}, headers?: Record<string, string>): Promise<Response> {
    return this.request(path, { method: 'POST', json, headers });
  }
}

/** The token in the newest mail to `to` whose link contains `path`. */
export function tokenFromMail(mail: MemoryMailTransport, to: string, path: string): string {
  const messages = mail.messages.filter((message) => message.to === to);
  for (const message of messages.reverse()) {
    const link = message.links.find((candidate) => candidate.includes(path));
    if (link) {
      const token = new URL(link).searchParams.get('token');
      if (token) return token;
    }
  }
  throw new Error(`no mail to ${to} with a ${path} link`);
}

/** Strong enough for the default policy, unrelated to any test email. */
export const GOOD_PASSWORD = 'correct horse battery staple 42';
