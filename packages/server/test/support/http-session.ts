import path from 'node:path';
import { readMailbox } from '../../src/mail/index.ts';

/**
 * Test support for black-box tests: a real `fetch` client that keeps the session cookie, and the mail a
 * running `lift serve` wrote to its data directory.
 */
export class HttpSession {
  cookie: string | null = null;
  constructor(readonly baseUrl: string) {}

  async request(pathname: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${pathname}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      if (!/session/.test(pair)) continue;
      this.cookie = /Max-Age=0\b/.test(line) ? null : pair;
    }
    return response;
  }

  post(pathname: string, json: unknown = {}): Promise<Response> {
    return this.request(pathname, { method: 'POST', json });
  }
}

/** Waits for a mail to `to` in `<dataDir>/mail` with a link containing `linkPath`; returns that link. */
export async function waitForMailLink(
  dataDir: string,
  to: string,
  linkPath: string,
  after = 0,
): Promise<string> {
  // Generous: under load a loaded CI machine can take seconds to get the mail to disk.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mails = await readMailbox(path.join(dataDir, 'mail'));
    const mail = mails
      .slice(after)
      .reverse()
      .find((candidate) => candidate.to === to && candidate.links.some((link) => link.includes(linkPath)));
    const link = mail?.links.find((candidate) => candidate.includes(linkPath));
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} with a ${linkPath} link`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
