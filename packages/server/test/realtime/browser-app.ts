import { ManualClock } from '../../src/core/clock.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { mountRealtimePage, realtimeBrowserModules } from '../fixtures/realtime-browser-app.ts';
import { startAuthApp } from '../support/auth-app.ts';
import { HttpSession, waitForMailLink } from '../support/http-session.ts';
import { PASSWORD, type RealtimeApp, signedInBrowser } from './realtime-app.ts';

/**
 * The in-process app of the realtime browser tests: the fixture app (realtime module, the `/rt` page) on a real
 * port, with a manual clock so a session can expire without waiting a day. Pings stay on real timers
 * (`realtime.pingIntervalMs`), short enough that a test sees several of them.
 */

export const PING_INTERVAL_MS = 300;

export interface BrowserApp extends RealtimeApp {
  clock: ManualClock;
}

export async function startBrowserApp(): Promise<BrowserApp> {
  // The clock starts now: the session cookie's Expires is read by Chromium against the real date.
  const clock = new ManualClock(Date.now());
  // Every request comes from 127.0.0.1 and the manual clock never slides a window by itself: the per-address
  // throttles are lifted so they do not decide which scenario runs last.
  const config = {
    realtime: { pingIntervalMs: PING_INTERVAL_MS, connectAttempts: { limit: 1_000 } },
    auth: { throttle: { login: 1_000, signup: 1_000, reset: 1_000 } },
  } satisfies LiftConfigInput;
  const auth = await startAuthApp(config, clock, { modules: realtimeBrowserModules() });
  mountRealtimePage(auth.app);
  const address = await auth.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    ...auth,
    clock,
    url: address.url,
    wsUrl: `${address.url.replace('http', 'ws')}/ws`,
    origin: address.url,
  };
}

/** Signs a user up and verifies the address through the API; the page logs in by itself afterwards. */
export async function createUser(lift: RealtimeApp, email: string): Promise<void> {
  await signedInBrowser(lift, email);
}

/** The same against a `lift serve` process: signup, then the verification link from its mail folder. */
export async function createUserOverHttp(url: string, dataDir: string, email: string): Promise<void> {
  const client = new HttpSession(url);
  const signup = await client.post('/auth/signup', { email, password: PASSWORD });
  if (signup.status !== 202) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  const link = await waitForMailLink(dataDir, email, '/auth/email/verify');
  const token = new URL(link).searchParams.get('token');
  const verified = await client.post('/auth/email/verify', { token });
  if (verified.status !== 200) throw new Error(`verify: ${verified.status} ${await verified.text()}`);
}
