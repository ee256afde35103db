import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
 * Channels over real sockets: who may subscribe where, publications reaching every connection of a user,
 * recovery of exactly the missed publications after a disconnect, presence, and a slow consumer cut off
 * before it can grow the server's memory.
 */

let lift: RealtimeApp;
beforeAll(async () => {
  lift = await startRealtimeApp(
    {},
    {
      namespaces: {
        chat: { subscribe: 'authenticated', publish: 'authenticated', presence: 'authenticated' },
        live: {
          subscribe: 'authenticated',
          publish: 'authenticated',
          presence: 'authenticated',
          history: false,
        },
      },
    },
  );
});
afterEach(() => closeAllClients());
afterAll(async () => {
  await lift.close();
});

async function userClient(
  email: string,
): Promise<{ client: Client; userId: string; headers: Record<string, string> }> {
  const browser = await signedInBrowser(lift, email);
  const headers = pageHeaders(lift, browser);
  const client = await connect(lift.wsUrl, { headers });
  return { client, userId: await connectedUser(client), headers };
}

describe('channels', () => {
  it('delivers a user: publication to every connection of that user, and to nobody else', async () => {
    const ada = await userClient('ada@example.com');
    const second = await connect(lift.wsUrl, { headers: ada.headers });
    const bob = await userClient('bob@example.com');
    const channel = `user:${ada.userId}`;
    for (const client of [ada.client, second]) {
      expect(await client.request({ type: 'subscribe', channel })).toMatchObject({
        type: 'reply',
        offset: 0,
      });
    }
    expect(await bob.client.request({ type: 'subscribe', channel })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    await lift.app.module('realtime').publish(channel, { hello: 'ada' });
    for (const client of [ada.client, second]) {
      const publication = await client.next((frame) => frame.type === 'publication');
      expect(publication).toMatchObject({ channel, offset: 1, data: { hello: 'ada' } });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bob.client.frames.some((frame) => frame.type === 'publication')).toBe(false);
  });

  it('refuses a bad channel name and an unknown namespace with their own codes, keeping the connection', async () => {
    const { client } = await userClient('names@example.com');
    expect(await client.request({ type: 'subscribe', channel: 'no-namespace' })).toMatchObject({
      code: 'bad_channel',
    });
    expect(await client.request({ type: 'subscribe', channel: 'nowhere:x' })).toMatchObject({
      code: 'unknown_namespace',
    });
    expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('lets tenant members with the permission subscribe to tenant:<id>:…, and nobody else', async () => {
    const owner = await signedInBrowser(lift, 'owner@example.com');
    const created = await owner.post(
      '/tenants',
      { name: 'Acme', slug: 'acme' },
      { origin: 'http://lift.test' },
    );
    expect(created.status).toBe(201);
    const { tenant } = (await created.json()) as { tenant: { id: string } };
    const ownerClient = await connect(lift.wsUrl, { headers: pageHeaders(lift, owner) });
    const outsider = await userClient('outsider@example.com');
    const channel = `tenant:${tenant.id}:notes`;
    expect(await ownerClient.request({ type: 'subscribe', channel })).toMatchObject({ type: 'reply' });
    expect(await outsider.client.request({ type: 'subscribe', channel })).toMatchObject({
      code: 'forbidden',
    });
  });

  it('publishes over HTTP with realtime:publish (a global admin here), and refuses it to others with 403', async () => {
    const ada = await userClient('http-publish@example.com');
    const channel = `user:${ada.userId}`;
    await ada.client.request({ type: 'subscribe', channel });
    const plain = await signedInBrowser(lift, 'no-publish@example.com');
    const refused = await plain.post(
      '/realtime/publish',
      { channel, data: 1 },
      { origin: 'http://lift.test' },
    );
    expect(refused.status).toBe(403);
    const admin = await signedInBrowser(lift, 'publisher@example.com');
    const me = (await (await admin.request('/auth/session')).json()) as { user: { id: string } };
    await lift.app.access.grantSystemRole(me.user.id);
    const published = await admin.post(
      '/realtime/publish',
      { channel, data: { via: 'http' } },
      { origin: 'http://lift.test' },
    );
    expect(published.status).toBe(200);
    expect(await published.json()).toMatchObject({ offset: 1 });
    expect(await ada.client.next((frame) => frame.type === 'publication')).toMatchObject({
      data: { via: 'http' },
    });
    const bad = await admin.post(
      '/realtime/publish',
      { channel: 'nonsense', data: 1 },
      { origin: 'http://lift.test' },
    );
    expect(bad.status).toBe(400);
  });

  it('lets clients publish only where the namespace allows it', async () => {
    const ada = await userClient('pub@example.com');
    expect(
      await ada.client.request({ type: 'publish', channel: `user:${ada.userId}`, data: 1 }),
    ).toMatchObject({
      code: 'forbidden',
    });
    await ada.client.request({ type: 'subscribe', channel: 'chat:lobby' });
    expect(
      await ada.client.request({ type: 'publish', channel: 'chat:lobby', data: { text: 'hi' } }),
    ).toMatchObject({
      type: 'reply',
      offset: 1,
    });
    expect(await ada.client.next((frame) => frame.type === 'publication')).toMatchObject({
      data: { text: 'hi' },
    });
  });

  it('recovers exactly the publications missed while disconnected, then continues live', async () => {
    const ada = await userClient('recover@example.com');
    const channel = `user:${ada.userId}`;
    const realtime = lift.app.module('realtime');
    const subscribed = await ada.client.request({ type: 'subscribe', channel });
    await realtime.publish(channel, { n: 1 });
    const first = await ada.client.next((frame) => frame.type === 'publication');
    ada.client.socket.close();
    await ada.client.closed;
    for (let n = 2; n <= 5; n++) await realtime.publish(channel, { n });
    const again = await connect(lift.wsUrl, { headers: ada.headers });
    const reply = await again.request({
      type: 'subscribe',
      channel,
      since: { offset: first.offset, epoch: subscribed.epoch },
    });
    expect(reply).toMatchObject({ recovered: true, offset: 5 });
    await realtime.publish(channel, { n: 6 });
    await again.next((frame) => frame.type === 'publication' && (frame.data as { n: number }).n === 6);
    const received = again.frames.filter((frame) => frame.type === 'publication').map((frame) => frame.data);
    expect(received).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }, { n: 6 }]);

    const stale = await connect(lift.wsUrl, { headers: ada.headers });
    expect(
      await stale.request({ type: 'subscribe', channel, since: { offset: 1, epoch: 'another-epoch' } }),
    ).toMatchObject({ recovered: false });
  });

  it('after recovered: false still delivers every live publication that follows', async () => {
    const ada = await userClient('gap@example.com');
    const channel = `user:${ada.userId}`;
    const realtime = lift.app.module('realtime');
    for (let n = 1; n <= 3; n++) await realtime.publish(channel, { n });
    const reply = await ada.client.request({
      type: 'subscribe',
      channel,
      since: { offset: 7, epoch: 'gone' },
    });
    expect(reply).toMatchObject({ recovered: false, offset: 3 });
    await realtime.publish(channel, { n: 4 });
    expect(await ada.client.next((frame) => frame.type === 'publication')).toMatchObject({
      offset: 4,
      data: { n: 4 },
    });
  });

  it('serves a namespace without history: live publications, presence, and recovered: false on resubscribe', async () => {
    const ada = await userClient('nohistory@example.com');
    expect(
      await ada.client.request({
        type: 'subscribe',
        channel: 'live:ticker',
        since: { offset: 1, epoch: 'x' },
      }),
    ).toMatchObject({ recovered: false });
    await lift.app.module('realtime').publish('live:ticker', { price: 1 });
    expect(await ada.client.next((frame) => frame.type === 'publication')).toMatchObject({
      data: { price: 1 },
    });
    await expect
      .poll(async () => (await ada.client.request({ type: 'presence', channel: 'live:ticker' })).members)
      .toEqual([{ user_id: ada.userId, connections: 1 }]);
  });

  it('shows presence per user with connection counts', async () => {
    const ada = await userClient('present@example.com');
    const second = await connect(lift.wsUrl, { headers: ada.headers });
    for (const client of [ada.client, second])
      await client.request({ type: 'subscribe', channel: 'chat:room' });
    await expect
      .poll(async () => (await ada.client.request({ type: 'presence', channel: 'chat:room' })).members)
      .toEqual([{ user_id: ada.userId, connections: 2 }]);
  });

  it('closes a consumer that stops reading (1013) instead of queueing without bound', async () => {
    const slow = await userClient('slow@example.com');
    const channel = `user:${slow.userId}`;
    await slow.client.request({ type: 'subscribe', channel });
    const before = lift.app.module('realtime').localConnections;
    slow.client.socket.pause();
    const big = 'x'.repeat(60_000);
    const realtime = lift.app.module('realtime');
    for (let i = 0; i < 200; i++) await realtime.publish(channel, { i, big });
    await expect
      .poll(() => lift.app.module('realtime').localConnections, { timeout: 5_000 })
      .toBe(before - 1);
    const scrape = await lift.app.module('telemetry').scrape();
    expect(scrape).toMatch(/websocket_disconnects_total\{reason="slow_consumer"\} 1/);
  });

  it('closes a connection that sends more than its message budget (4008) and one that breaks the protocol (4100)', async () => {
    const flood = await userClient('flood@example.com');
    for (let i = 0; i < 200; i++) flood.client.socket.send(JSON.stringify({ type: 'ping', id: i }));
    expect((await flood.client.closed).code).toBe(4008);
    const broken = await connect(lift.wsUrl, { headers: flood.headers });
    broken.socket.send('not json');
    expect((await broken.closed).code).toBe(4100);
  });
});
