import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eachDialect } from './notes-harness.ts';

/**
 * Note changes, live: a member following `tenant:<id>:notes` over a real WebSocket gets `note.created`,
 * `note.updated` and `note.deleted` as they happen; someone outside the tenant may not follow it.
 */

const sockets: WebSocket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.terminate();
});

function follow(
  url: string,
  token: string,
): Promise<{ socket: WebSocket; frames: Array<Record<string, unknown>> }> {
  const socket = new WebSocket(url, ['lift.v1', `lift.bearer.${token}`]);
  sockets.push(socket);
  const frames: Array<Record<string, unknown>> = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, frames }));
    socket.once('error', reject);
  });
}

async function until<T>(find: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

eachDialect('live note changes', (target) => {
  it('reaches a viewer of the tenant as it happens, and not an outsider', async () => {
    const { app, user, tenant, join, call } = target();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const wsUrl = `${address.url.replace('http', 'ws')}/ws`;
    const owner = await user('live-owner@example.com');
    const viewer = await user('live-viewer@example.com');
    const outsider = await user('live-outsider@example.com');
    const tenantId = await tenant('live', owner);
    await join(tenantId, viewer, 'viewer');
    const channel = `tenant:${tenantId}:notes`;

    const watching = await follow(wsUrl, viewer.bearer);
    watching.socket.send(JSON.stringify({ type: 'subscribe', id: 1, channel }));
    await until(() => watching.frames.find((frame) => frame.id === 1 && frame.type === 'reply'));
    const stranger = await follow(wsUrl, outsider.bearer);
    stranger.socket.send(JSON.stringify({ type: 'subscribe', id: 1, channel }));
    expect(await until(() => stranger.frames.find((frame) => frame.id === 1))).toMatchObject({
      code: 'forbidden',
    });

    const created = await call(owner, 'POST', `/tenants/${tenantId}/notes`, { title: 'Live' });
    expect(created.status).toBe(201);
    await call(owner, 'PATCH', `/tenants/${tenantId}/notes/${created.body.id}`, { title: 'Live, edited' });
    await call(owner, 'DELETE', `/tenants/${tenantId}/notes/${created.body.id}`);
    const changes = await until(() => {
      const seen = watching.frames.filter((frame) => frame.type === 'publication');
      return seen.length === 3 ? seen.map((frame) => frame.data as Record<string, unknown>) : undefined;
    });
    expect(changes.map((change) => change.type)).toEqual(['note.created', 'note.updated', 'note.deleted']);
    expect(changes[0]).toMatchObject({ note: { id: created.body.id, title: 'Live' } });
    expect(changes[2]).toEqual({ type: 'note.deleted', id: created.body.id });
  });
});
