import type { BrowserContext, Page } from 'playwright-core';
import { PASSWORD } from './realtime-app.ts';

/**
 * The test's view of the `/rt` page (test/fixtures/realtime-browser-app.ts): what its WebSocket client recorded
 * on `window.rt`, and waits on it. Page code is passed as strings: the test's TypeScript has no DOM types.
 */

export type Frame = Record<string, unknown> & { type: string };

export interface PageClient {
  frames: Frame[];
  /** Every close event: code, reason, and when (the page's `performance.now()`). */
  closes: Array<{ code: number; reason: string; at: number }>;
  opens: number;
  /** The channel the current socket is subscribed to, or null. */
  subscribed: string | null;
}

export function clientOf(page: Page): Promise<PageClient> {
  return page.evaluate<PageClient>(
    '({ frames: rt.frames, closes: rt.closes, opens: rt.opens, subscribed: rt.subscribed })',
  );
}

/** Waits until `expression` (page code over `rt`) is true. */
export async function until(page: Page, expression: string, timeoutMs = 5_000): Promise<void> {
  await page.waitForFunction(expression, undefined, { timeout: timeoutMs, polling: 20 });
}

/** POSTs JSON from the page (same origin, the browser's cookies): status and parsed body. */
export async function postFrom(
  page: Page,
  path: string,
  body: unknown = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await page.evaluate<{ status: number; body: string }, [string, unknown]>(
    ([to, json]) => (globalThis as unknown as PageGlobals).rtPost(to, json),
    [path, body],
  );
  return { status: answer.status, body: answer.body === '' ? {} : JSON.parse(answer.body) };
}

interface PageGlobals {
  rtPost(path: string, body: unknown): Promise<{ status: number; body: string }>;
}

/**
 * Opens the page without connecting and logs in from it (`POST /auth/login`, so the browser stores the session
 * cookie itself). Returns the user's id and the page, which `connectPage` can connect next.
 */
export async function logIn(
  context: BrowserContext,
  url: string,
  email: string,
): Promise<{ userId: string; page: Page }> {
  const page = await context.newPage();
  await page.goto(`${url}/rt?connect=0`);
  const login = await postFrom(page, '/auth/login', { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return { userId: (login.body.user as { id: string }).id, page };
}

/** Loads the page so it connects, and waits until its socket is subscribed to its user's channel. */
export async function connectPage(page: Page, url: string): Promise<Page> {
  await page.goto(`${url}/rt`);
  await until(page, 'rt.subscribed !== null');
  return page;
}

/** A new tab of the context, connected. */
export async function openConnected(context: BrowserContext, url: string): Promise<Page> {
  return connectPage(await context.newPage(), url);
}

/** Waits until a publication carrying `data` arrived on the page's user channel; returns it. */
export async function publicationOn(page: Page, data: unknown, timeoutMs = 5_000): Promise<Frame> {
  const wanted = JSON.stringify(data);
  await until(
    page,
    `rt.frames.some((f) => f.type === 'publication' && JSON.stringify(f.data) === ${JSON.stringify(wanted)})`,
    timeoutMs,
  );
  const { frames } = await clientOf(page);
  return frames.find((f) => f.type === 'publication' && JSON.stringify(f.data) === wanted)!;
}
