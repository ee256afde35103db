import { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  closeAllClients,
  connect,
  connectedUser,
  type RealtimeApp,
  signedInBrowser,
  startRealtimeApp,
  tokensFor,
} from './realtime-app.ts';

/**
 * What an open connection keeps: tens of thousands are held per process, so nothing of the upgrade (the
 * request, its headers, the admission's state) may stay reachable once the socket is open. A closure that
 * shares the admission's scope kept ~1.5 KB per connection alive this way once; this watches the upgrade
 * requests the node server hands out with weak references, and collects garbage.
 */

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Weak references to every request of an `upgrade` event any node server emits from now on. */
const upgrades: Array<WeakRef<object>> = [];
const emit = Server.prototype.emit;
Server.prototype.emit = function watchUpgrades(this: Server, event: string, ...args: unknown[]) {
  if (event === 'upgrade') upgrades.push(new WeakRef(args[0] as object));
  return Reflect.apply(emit, this, [event, ...args]) as boolean;
} as Server['emit'];

let lift: RealtimeApp;
beforeAll(async () => {
  lift = await startRealtimeApp();
});
afterAll(async () => {
  Server.prototype.emit = emit;
  await closeAllClients();
  await lift.close();
});

async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
  }
}

describe('an open connection', () => {
  it('keeps nothing of its upgrade request, whatever the credential', async () => {
    const browser = await signedInBrowser(lift, 'ada@example.com');
    const { access_token } = await tokensFor(lift, 'ada@example.com');
    const clients: Client[] = [];
    for (let i = 0; i < 2; i++) {
      clients.push(
        await connect(lift.wsUrl, {
          headers: { cookie: `${browser.cookieName}=${browser.cookie}`, origin: lift.origin },
        }),
      );
      clients.push(await connect(lift.wsUrl, { protocols: ['lift.v1', `lift.bearer.${access_token}`] }));
    }
    for (const client of clients) await connectedUser(client);
    expect(upgrades).toHaveLength(4);
    await settle();
    const kept = upgrades.filter((ref) => ref.deref() !== undefined);
    expect(kept).toHaveLength(0);
    // The connections are still open and answer: the requests went, not the sockets.
    for (const client of clients) expect((await client.request({ type: 'ping' })).type).toBe('pong');
  });
});
