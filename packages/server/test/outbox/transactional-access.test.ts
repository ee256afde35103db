import { afterEach, describe, expect, it } from 'vitest';
import {
  createTenant,
  del,
  expectJson,
  expectProblem,
  invitationToken,
  invite,
  signedIn,
  startAccessApp,
} from '../access/access-app.ts';
import type { AuthApp } from '../support/auth-app.ts';
import { outboxEvents } from '../support/event-rows.ts';

/**
 * The transactional outbox on the access module: the events of tenant, member, role, grant and invitation
 * changes are written by the access stores in the change's own transaction (core/events.ts `change`),
 * published once it committed, and their rows marked done; subscribers hear each once. A change refused
 * before it commits leaves no row behind.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** The one outbox row of `type`, once the app published it; checks subscribers heard it exactly once. */
async function oneDoneRow(auth: AuthApp, type: string) {
  await auth.app.events.settled();
  await auth.app.outbox.idle();
  const rows = await outboxEvents(auth.app.storage.sql, type);
  expect(rows, type).toHaveLength(1);
  expect(rows[0]?.done, type).toBe(true);
  const heard = auth.events.filter((event) => event.type === type);
  expect(heard.map((event) => event.id)).toEqual([rows[0]?.event.id]);
  return rows[0]!.event;
}

describe('access changes announce themselves in their own transaction', () => {
  it('creating a tenant, inviting and accepting: one row each, published and done', async () => {
    env = await startAccessApp();
    const owner = await signedIn(env, 'tx-owner@example.com');
    const tenantId = await createTenant(owner, 'tx-acme');
    expect(await oneDoneRow(env, 'tenant.created')).toMatchObject({
      actor: owner.userId,
      data: { tenantId, slug: 'tx-acme' },
    });

    const guest = await signedIn(env, 'tx-guest@example.com');
    const invitation = await invite(owner, tenantId, guest.email, 'member');
    expect(await oneDoneRow(env, 'invitation.created')).toMatchObject({
      actor: owner.userId,
      data: { tenantId, invitationId: invitation.id, role: 'member' },
    });
    const token = await invitationToken(env, guest.email);
    await expectJson(await guest.browser.post('/invitations/accept', { token }), 200);
    expect(await oneDoneRow(env, 'invitation.accepted')).toMatchObject({
      actor: guest.userId,
      data: { tenantId, invitationId: invitation.id },
    });
  });

  it('removing a member and deleting the tenant write their events; a refused leave writes none', async () => {
    env = await startAccessApp();
    const owner = await signedIn(env, 'tx-owner2@example.com');
    const tenantId = await createTenant(owner, 'tx-gone');
    const guest = await signedIn(env, 'tx-guest2@example.com');
    await invite(owner, tenantId, guest.email, 'viewer');
    const token = await invitationToken(env, guest.email);
    await expectJson(await guest.browser.post('/invitations/accept', { token }), 200);

    await expectProblem(await owner.browser.post(`/tenants/${tenantId}/leave`), 409, 'LIFT_LAST_OWNER');
    const removed = await del(owner.browser, `/tenants/${tenantId}/members/${guest.userId}`);
    expect(removed.status, await removed.clone().text()).toBe(204);
    expect(await oneDoneRow(env, 'member.removed')).toMatchObject({
      actor: owner.userId,
      subject: guest.userId,
      data: { tenantId },
    });
    expect(await outboxEvents(env.app.storage.sql, 'member.left')).toEqual([]);

    const deleted = await del(owner.browser, `/tenants/${tenantId}`);
    expect(deleted.status, await deleted.clone().text()).toBe(204);
    expect(await oneDoneRow(env, 'tenant.deleted')).toMatchObject({
      actor: owner.userId,
      data: { tenantId },
    });
  });
});
