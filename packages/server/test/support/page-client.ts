import { expect } from 'vitest';
import type { LiftApp } from '../../src/app/create-lift.ts';

/**
 * Test support for the HTML link pages: a client that behaves like a browser submitting the pages' forms —
 * form-encoded bodies, `Accept: text/html…` as browsers send it on navigation, `Sec-Fetch-Site` and `Origin`
 * of the page's own origin unless told otherwise — and keeps the session cookie.
 */

export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
export const PAGE_ORIGIN = 'http://lift.test';

export class PageClient {
  cookie: string | null = null;
  constructor(
    readonly app: LiftApp,
    readonly ip = '203.0.113.9',
  ) {}

  async request(
    path: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = {
      accept: BROWSER_ACCEPT,
      'user-agent': 'Mozilla/5.0 Chrome/130.0',
      'sec-fetch-site': method === 'GET' ? 'none' : 'same-origin',
      ...(method === 'GET' ? {} : { origin: PAGE_ORIGIN }),
      ...init.headers,
    };
    const name = this.app.identity.cookie.name;
    if (this.cookie !== null) headers.cookie = `${name}=${this.cookie}`;
    const response = await this.app.fetch(
      new Request(`${PAGE_ORIGIN}${path}`, { method, headers, body: init.body }),
      {
        remoteAddress: this.ip,
      },
    );
    // Events run after the answer (core/events.ts); a test looks at them, and their effects, once they have.
    await this.app.events.settled();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [cookieName, value] = (pair ?? '').split('=');
      if (cookieName === name)
        this.cookie = value === '' || /Max-Age=0\b/.test(line) ? null : (value ?? null);
    }
    return response;
  }

  /** Submits a form as the page would. */
  submit(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }
}

/** The HTML of a page answer with `status`, checked for the page's headers. */
export async function expectPage(response: Response, status: number): Promise<string> {
  const html = await response.text();
  expect(response.status, html).toBe(status);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(html).not.toMatch(/<script/i);
  return html;
}

/** The value of the hidden input `name` in a page. */
export function hiddenValue(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!match) throw new Error(`no hidden ${name} in the page`);
  return match[1]!.replaceAll('&amp;', '&');
}

/** The href of the link labelled `label`. */
export function linkHref(html: string, label: string): string | undefined {
  const match = new RegExp(`<a href="([^"]*)">${label}</a>`).exec(html);
  return match?.[1]?.replaceAll('&amp;', '&');
}
