import { describe, expect, expectTypeOf, it } from 'vitest';
import * as server from '../../server/src/realtime/protocol.ts';
import * as client from '../src/realtime/protocol.ts';

/**
 * The client keeps its own copy of the `lift.v1` protocol (it depends on nothing of the server). This keeps the
 * copy true to the server's: the same protocol name, the same number for every close code both name, every
 * request the client can send accepted by the server's parser, and the request types assignable to the server's.
 */

/** Close codes only the client names: 1006 is never sent (RFC 6455 §7.4.1), a client sees it on a dropped socket. */
const CLIENT_ONLY_CODES = new Set(['abnormal']);

const position = { offset: 3, epoch: 'e1' };

/** One of every request the client's types allow, with the `id` the client adds when it sends one. */
const REQUESTS: ReadonlyArray<client.ClientRequest> = [
  { type: 'subscribe', channel: 'tenant:t1:notes' },
  { type: 'subscribe', channel: 'tenant:t1:notes', since: position },
  { type: 'unsubscribe', channel: 'tenant:t1:notes' },
  { type: 'publish', channel: 'chat:room', data: { text: 'hi' } },
  { type: 'presence', channel: 'chat:room' },
  { type: 'ping' },
  { type: 'refresh', token: 'header.payload.signature' },
  { type: 'refresh', ticket: 'a-ticket' },
];

describe('the client copy of the lift.v1 protocol', () => {
  it('names the same protocol', () => {
    expect(client.PROTOCOL).toBe(server.PROTOCOL);
  });

  it('gives every close code the server also names the server number', () => {
    const serverCodes = server.CLOSE as Readonly<Record<string, number>>;
    for (const [name, code] of Object.entries(client.CLOSE)) {
      if (CLIENT_ONLY_CODES.has(name)) {
        expect(Object.values(serverCodes), `${name} must not be a code the server sends`).not.toContain(code);
        continue;
      }
      expect(serverCodes[name], `CLOSE.${name}`).toBe(code);
    }
  });

  it('knows every application close code the server sends (4000+)', () => {
    const clientCodes = new Set<number>(Object.values(client.CLOSE));
    const application = Object.entries(server.CLOSE).filter(([, code]) => code >= 4000);
    expect(application.length).toBeGreaterThan(0);
    for (const [name, code] of application) expect(clientCodes.has(code), `CLOSE.${name}`).toBe(true);
  });

  it('sends only requests the server parses', () => {
    REQUESTS.forEach((request, index) => {
      const text = JSON.stringify({ ...request, id: index + 1 });
      expect(() => server.parseClientMessage(text), text).not.toThrow();
      expect(server.parseClientMessage(text).type).toBe(request.type);
    });
  });

  it('types its requests as the server types them', () => {
    expectTypeOf<client.ClientRequest & { id: number }>().toMatchTypeOf<server.ClientMessage>();
    expectTypeOf<client.StreamPosition>().toEqualTypeOf<{ offset: number; epoch: string }>();
  });
});
