import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  closeAllClients,
  connect,
  connectedUser,
  pageHeaders,
  type RealtimeApp,
  signedInBrowser,
  startRealtimeApp,
} from './realtime-app.ts';

/**
 * permessage-deflate (`realtime.compression`), over real sockets with the `ws` client offering the extension:
 * off by default; when on, negotiated with the server's smaller window, and a large publication crosses the
 * wire compressed (counted in bytes on the client's TCP socket) while a small one below the threshold does not.
 */

/** ~24 KB of JSON that compresses well, as a list of notes does. */
const LARGE = {
  notes: Array.from({ length: 120 }, (_, i) => ({
    id: `note-${i}`,
    title: `Weekly planning ${i}`,
    body: 'Discussed the roadmap, the realtime rollout and the audit trail. ',
  })),
};

let plain: RealtimeApp;
let compressed: RealtimeApp;
beforeAll(async () => {
  [plain, compressed] = await Promise.all([
    startRealtimeApp(),
    startRealtimeApp({ realtime: { compression: { enabled: true } } }),
  ]);
});
afterAll(async () => {
  await closeAllClients();
  await Promise.all([plain.close(), compressed.close()]);
});

async function subscribedClient(
  lift: RealtimeApp,
  email: string,
): Promise<{ client: Client; channel: string }> {
  const browser = await signedInBrowser(lift, email);
  const client = await connect(lift.wsUrl, { headers: pageHeaders(lift, browser), perMessageDeflate: true });
  const channel = `user:${await connectedUser(client)}`;
  expect(await client.request({ type: 'subscribe', channel })).toMatchObject({ type: 'reply' });
  return { client, channel };
}

/** The `Sec-WebSocket-Extensions` the server answers a raw upgrade request with (the `ws` client keeps it). */
function negotiatedExtensions(
  lift: RealtimeApp,
  headers: Record<string, string>,
  offered: string,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${lift.url}/ws`, {
      headers: {
        ...headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-protocol': 'lift.v1',
        'sec-websocket-extensions': offered,
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.headers['sec-websocket-extensions']);
    });
    request.on('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)));
    request.on('error', reject);
    request.end();
  });
}

/** Bytes the client's TCP socket reads while `publish` delivers one publication to it. */
async function wireBytes(
  lift: RealtimeApp,
  { client, channel }: { client: Client; channel: string },
  data: unknown,
): Promise<number> {
  const tcp = (client.socket as unknown as { _socket: { bytesRead: number } })._socket;
  const before = tcp.bytesRead;
  const seen = client.frames.length;
  await lift.app.module('realtime').publish(channel, data);
  await client.next(
    (frame) =>
      frame.type === 'publication' && client.frames.indexOf(frame) >= seen && frame.data !== undefined,
  );
  return tcp.bytesRead - before;
}

describe('permessage-deflate', () => {
  it('is off by default: the extension is not negotiated and a large publication crosses whole', async () => {
    const subscriber = await subscribedClient(plain, 'ada@example.com');
    expect(subscriber.client.socket.extensions).toBe('');
    const bytes = await wireBytes(plain, subscriber, LARGE);
    expect(bytes).toBeGreaterThan(JSON.stringify(LARGE).length);
  });

  it('when on, is negotiated with the server window of realtime.compression.windowBits and no context takeover', async () => {
    const browser = await signedInBrowser(compressed, 'bob@example.com');
    const offered = 'permessage-deflate; client_max_window_bits';
    const extensions = await negotiatedExtensions(compressed, pageHeaders(compressed, browser), offered);
    expect(extensions).toMatch(/^permessage-deflate;/);
    expect(extensions).toContain('server_max_window_bits=12');
    expect(extensions).toContain('server_no_context_takeover');
  });

  it('when on, compresses a publication above the threshold and sends one below it as is', async () => {
    const subscriber = await subscribedClient(compressed, 'cy@example.com');
    const large = await wireBytes(compressed, subscriber, LARGE);
    expect(large).toBeLessThan(JSON.stringify(LARGE).length / 5);
    const received = subscriber.client.frames.filter((frame) => frame.type === 'publication').at(-1);
    expect(received?.data).toEqual(LARGE);
    const small = { text: 'a'.repeat(600) };
    expect(await wireBytes(compressed, subscriber, small)).toBeGreaterThan(600);
  });

  it('when on, still serves a client that does not offer it, uncompressed', async () => {
    const browser = await signedInBrowser(compressed, 'dee@example.com');
    const client = await connect(compressed.wsUrl, {
      headers: pageHeaders(compressed, browser),
      perMessageDeflate: false,
    });
    const channel = `user:${await connectedUser(client)}`;
    expect(await client.request({ type: 'subscribe', channel })).toMatchObject({ type: 'reply' });
    expect(client.socket.extensions).toBe('');
    const bytes = await wireBytes(compressed, { client, channel }, LARGE);
    expect(bytes).toBeGreaterThan(JSON.stringify(LARGE).length);
  });
});
