import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  type RealtimeApp,
  type Refusal,
  signedInBrowser,
  startRealtimeApp,
} from './realtime-app.ts';

let lift: RealtimeApp;
beforeAll(async () => {
  lift = await startRealtimeApp();
});
afterAll(async () => {
  await lift.close();
});

describe('the WebSocket gateway', () => {
  it('connects with the session cookie from the same origin and says who is connected', async () => {
    const browser = await signedInBrowser(lift, 'ada@example.com');
    const client = await connect(lift.wsUrl, {
      headers: { cookie: `${browser.cookieName}=${browser.cookie}`, origin: lift.origin },
    });
    const hello = await client.next((frame) => frame.type === 'connected');
    expect(hello).toMatchObject({ type: 'connected', protocol: 'lift.v1' });
    expect(client.socket.protocol).toBe('lift.v1');
    const pong = await client.request({ type: 'ping' });
    expect(pong.type).toBe('pong');
    client.socket.close();
  });

  it('refuses an upgrade without credentials with a 401 problem naming the reason', async () => {
    const refused = (await connect(lift.wsUrl).catch((error: unknown) => error)) as Refusal;
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      code: 'LIFT_REALTIME_UNAUTHENTICATED',
      reason: 'missing_credentials',
    });
  });
});
