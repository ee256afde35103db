import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageHeaders, type RealtimeApp, signedInBrowser, startRealtimeApp } from './realtime-app.ts';

/**
 * `GET /sse`: the same admission and frames as the WebSocket, over Server-Sent Events, driven with the
 * `eventsource` client from the registry and with raw streaming fetches where a test needs the bytes.
 */

let lift: RealtimeApp;
beforeAll(async () => {
  lift = await startRealtimeApp({ realtime: { pingIntervalMs: 100 } });
});
afterAll(async () => {
  await lift.close();
});

function eventSource(url: string, headers: Record<string, string>): EventSource {
  return new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
  });
}

/** Reads a raw event stream until `done` says enough, or the timeout. */
async function readStream(
  response: Response,
  done: (text: string) => boolean,
  timeoutMs = 5_000,
): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!done(text) && Date.now() < deadline) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value);
  }
  await reader.cancel();
  return text;
}

describe('Server-Sent Events', () => {
  it('streams publications of the asked channels to an EventSource with the session cookie', async () => {
    const browser = await signedInBrowser(lift, 'sse@example.com');
    const me = (await (await browser.request('/auth/session')).json()) as { user: { id: string } };
    const channel = `user:${me.user.id}`;
    const source = eventSource(`${lift.url}/sse?channels=${channel}`, pageHeaders(lift, browser));
    try {
      const subscribed = new Promise<void>((resolve) => source.addEventListener('reply', () => resolve()));
      const received = new Promise<MessageEvent>((resolve) =>
        source.addEventListener('publication', resolve),
      );
      await subscribed;
      await lift.app.module('realtime').publish(channel, { over: 'sse' });
      const event = await received;
      expect(JSON.parse(event.data)).toMatchObject({ channel, offset: 1, data: { over: 'sse' } });
      expect(event.lastEventId).not.toBe('');
    } finally {
      source.close();
    }
  });

  it('recovers the missed publications from Last-Event-ID', async () => {
    const browser = await signedInBrowser(lift, 'sse-recover@example.com');
    const me = (await (await browser.request('/auth/session')).json()) as { user: { id: string } };
    const channel = `user:${me.user.id}`;
    const realtime = lift.app.module('realtime');
    const first = await fetch(`${lift.url}/sse?channels=${channel}`, { headers: pageHeaders(lift, browser) });
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const publishing = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await realtime.publish(channel, { n: 1 });
    })();
    const seen = await readStream(first, (text) => text.includes('event: publication'));
    await publishing;
    const lastId = /^id: (.+)$/m.exec(seen)![1]!;
    await realtime.publish(channel, { n: 2 });
    await realtime.publish(channel, { n: 3 });
    const again = await fetch(`${lift.url}/sse?channels=${channel}`, {
      headers: { ...pageHeaders(lift, browser), 'last-event-id': lastId },
    });
    const text = await readStream(again, (chunk) => chunk.includes('"n":3'));
    const data = [...text.matchAll(/^event: publication\ndata: (.+)$/gm)].map((m) => JSON.parse(m[1]!).data);
    expect(data).toEqual([{ n: 2 }, { n: 3 }]);
    expect(text).toContain('"recovered":true');
  });

  it('sends heartbeat comments, and ends the stream with a close event when the session logs out', async () => {
    const browser = await signedInBrowser(lift, 'sse-logout@example.com');
    const response = await fetch(`${lift.url}/sse?channels=chat:none`, {
      headers: pageHeaders(lift, browser),
    });
    const loggingOut = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 350));
      await browser.post('/auth/logout', {}, { origin: 'http://lift.test' });
    })();
    const text = await readStream(response, (chunk) => chunk.includes('event: close'));
    await loggingOut;
    expect(text).toContain(': ping');
    expect(text).toMatch(/event: close\ndata: \{"code":4003/);
    // A namespace the app does not configure is refused on the stream, which stays open until then.
    expect(text).toMatch(/event: error\ndata: .*unknown_namespace/);
  });

  it('refuses without credentials (401 with a reason) and refuses a bad channel list (400)', async () => {
    const anonymous = await fetch(`${lift.url}/sse?channels=chat:a`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ reason: 'missing_credentials' });
    const bad = await fetch(`${lift.url}/sse?channels=`);
    expect(bad.status).toBe(400);
  });
});
