import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import { eventMatching } from '../tokens/token-client.ts';
import {
  comparable,
  createTenant,
  del,
  expectJson,
  expectProblem,
  invitationToken,
  invite,
  joined,
  logInAgain,
  newBrowser,
  type SignedInUser,
  signedIn,
  startAccessApp,
  type TenantBody,
} from './access-app.ts';

/**
 * `/tenants/:tenantId/invitations*` and `/invitations/accept`: inviting by mail, who may invite with which
 * role, and the token: bound to the invited address, single use, 7 days.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

interface Setup {
  auth: AuthApp;
  owner: SignedInUser;
  tenantId: string;
}

async function setup(): Promise<Setup> {
  const auth = await startAccessApp();
  env = auth;
  const owner = await signedIn(auth, 'owner@example.com');
  const tenantId = await createTenant(owner, 'acme', 'Acme');
  return { auth, owner, tenantId };
}

function accept(user: SignedInUser, token: string): Promise<Response> {
  return user.browser.post('/invitations/accept', { token });
}

const SEVEN_DAYS = 7 * 24 * 60 * 60 * 1000;

describe('POST /tenants/:tenantId/invitations', () => {
  it('mails a link whose page does not spend the token; the invitee accepts and joins with the role', async () => {
    const { auth, owner, tenantId } = await setup();
    const response = await owner.browser.post(`/tenants/${tenantId}/invitations`, {
      email: 'Carol@Example.com',
      role: 'admin',
    });
    const text = await response.clone().text();
    const { invitation } = await expectJson<{ invitation: Record<string, unknown> }>(response, 201);
    expect(Object.keys(invitation).sort()).toEqual([
      'created_at',
      'email',
      'expires_at',
      'id',
      'invited_by',
      'role',
    ]);
    expect(invitation).toMatchObject({ email: 'carol@example.com', role: 'admin', invited_by: owner.userId });
    expect(Date.parse(String(invitation.expires_at)) - auth.clock.now()).toBe(SEVEN_DAYS);

    await auth.app.outbox.idle();
    const mail = auth.mail.messages.find((message) => message.to === 'Carol@example.com');
    expect(mail?.subject).toContain('Acme');
    const link = mail?.links.find((candidate) =>
      candidate.startsWith('http://lift.test/invitations/accept?token='),
    );
    expect(link).toBeDefined();
    const token = new URL(link ?? '').searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(text).not.toContain(token);
    const created = await eventMatching(auth.events, (e) => e.type === 'invitation.created');
    expect(created).toMatchObject({
      actor: owner.userId,
      data: { tenantId, invitationId: invitation.id, role: 'admin' },
    });
    expect(JSON.stringify(auth.events)).not.toContain(token);

    // Opening the link (as a mail scanner would) shows a form and changes nothing.
    const page = await newBrowser(auth).request(`/invitations/accept?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('method="post"');

    const carol = await signedIn(auth, 'carol@example.com');
    const joinedBody = await expectJson<TenantBody>(await accept(carol, token), 200);
    expect(joinedBody.tenant).toMatchObject({ id: tenantId, name: 'Acme' });
    expect(joinedBody.roles).toEqual(['admin', 'member', 'viewer']);
    const accepted = await eventMatching(auth.events, (e) => e.type === 'invitation.accepted');
    expect(accepted).toMatchObject({ actor: carol.userId, data: { tenantId, invitationId: invitation.id } });

    await expectJson(await carol.browser.request(`/tenants/${tenantId}/members`), 200);
    const pending = await expectJson<{ invitations: unknown[] }>(
      await owner.browser.request(`/tenants/${tenantId}/invitations`),
      200,
    );
    expect(pending.invitations).toEqual([]);
  });

  it('defaults to the member role', async () => {
    const { auth, owner, tenantId } = await setup();
    const invitation = await invite(owner, tenantId, 'dave@example.com');
    expect(invitation.role).toBe('member');
    const dave = await signedIn(auth, 'dave@example.com');
    const body = await expectJson<TenantBody>(
      await accept(dave, await invitationToken(auth, 'dave@example.com')),
      200,
    );
    expect(body.roles).toEqual(['member', 'viewer']);
  });

  it('refuses a viewer, a role the inviter could not grant, an unknown role and a bad address', async () => {
    const { auth, owner, tenantId } = await setup();
    const viewer = await joined(auth, owner, tenantId, 'viewer@example.com', 'viewer');
    const admin = await joined(auth, owner, tenantId, 'admin@example.com', 'admin');
    await auth.app.outbox.idle();
    const sent = auth.mail.messages.length;

    const byViewer = await expectProblem(
      await viewer.browser.post(`/tenants/${tenantId}/invitations`, { email: 'x@example.com' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(byViewer.detail).toContain('members:invite');
    const asOwner = await expectProblem(
      await admin.browser.post(`/tenants/${tenantId}/invitations`, { email: 'x@example.com', role: 'owner' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(asOwner.detail).toContain('the permission *.');
    const denied = await eventMatching(
      auth.events,
      (e) => e.type === 'access.denied' && e.actor === admin.userId,
    );
    expect(denied).toMatchObject({
      reason: 'missing_permission',
      data: { permission: '*', tenantId },
    });
    await expectProblem(
      await owner.browser.post(`/tenants/${tenantId}/invitations`, {
        email: 'x@example.com',
        role: 'emperor',
      }),
      400,
      'LIFT_VALIDATION_FAILED',
    );
    await expectProblem(
      await owner.browser.post(`/tenants/${tenantId}/invitations`, { email: 'not-an-address' }),
      400,
      'LIFT_VALIDATION_FAILED',
    );
    const outsider = await signedIn(auth, 'outsider@example.com');
    await expectProblem(
      await outsider.browser.post(`/tenants/${tenantId}/invitations`, { email: 'x@example.com' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await auth.app.outbox.idle();
    expect(auth.mail.messages.slice(sent).filter((message) => message.to === 'x@example.com')).toEqual([]);
  });

  it('caps pending invitations per tenant', async () => {
    const { auth, owner, tenantId } = await setup();
    for (let index = 0; index < 199; index += 1) {
      await auth.app.access.invitations.issue({
        tenantId,
        email: `guest${index}@example.com`,
        invitedBy: owner.userId,
      });
    }
    await invite(owner, tenantId, 'last@example.com');
    await expectProblem(
      await owner.browser.post(`/tenants/${tenantId}/invitations`, { email: 'one-more@example.com' }),
      409,
      'LIFT_INVITATION_LIMIT',
    );
    await auth.app.outbox.idle();
    expect(auth.mail.messages.some((message) => message.to === 'one-more@example.com')).toBe(false);
  });
});

describe('POST /invitations/accept', () => {
  it('is bound to the invited address: another account gets the generic error and does not spend it', async () => {
    const { auth, owner, tenantId } = await setup();
    await invite(owner, tenantId, 'carol@example.com');
    const token = await invitationToken(auth, 'carol@example.com');
    const mallory = await signedIn(auth, 'mallory@example.com');

    const stolen = await expectProblem(await accept(mallory, token), 400, 'LIFT_INVITATION_INVALID');
    const unknown = await expectProblem(
      await accept(mallory, 'x'.repeat(43)),
      400,
      'LIFT_INVITATION_INVALID',
    );
    expect(comparable(stolen)).toEqual(comparable(unknown));
    const refused = await eventMatching(auth.events, (e) => e.type === 'invitation.refused');
    expect(refused).toMatchObject({ actor: mallory.userId, reason: 'invalid_token' });
    await expectProblem(await mallory.browser.request(`/tenants/${tenantId}`), 403, 'LIFT_PERMISSION_DENIED');

    const carol = await signedIn(auth, 'carol@example.com');
    await expectJson(await accept(carol, token), 200);
  });

  it('is single use', async () => {
    const { auth, owner, tenantId } = await setup();
    await invite(owner, tenantId, 'carol@example.com');
    const token = await invitationToken(auth, 'carol@example.com');
    const carol = await signedIn(auth, 'carol@example.com');
    await expectJson(await accept(carol, token), 200);
    const again = await expectProblem(await accept(carol, token), 400, 'LIFT_INVITATION_INVALID');
    const unknown = await expectProblem(await accept(carol, 'y'.repeat(43)), 400, 'LIFT_INVITATION_INVALID');
    expect(comparable(again)).toEqual(comparable(unknown));
  });

  it('expires after 7 days', async () => {
    const { auth, owner, tenantId } = await setup();
    await invite(owner, tenantId, 'late@example.com');
    await invite(owner, tenantId, 'early@example.com');
    const late = await signedIn(auth, 'late@example.com');
    const early = await signedIn(auth, 'early@example.com');
    auth.clock.advance(SEVEN_DAYS - 1_000);
    await logInAgain(early);
    await expectJson(await accept(early, await invitationToken(auth, 'early@example.com')), 200);
    auth.clock.advance(2_000);
    await logInAgain(late);
    await expectProblem(
      await accept(late, await invitationToken(auth, 'late@example.com')),
      400,
      'LIFT_INVITATION_INVALID',
    );
    await expectProblem(await late.browser.request(`/tenants/${tenantId}`), 403, 'LIFT_PERMISSION_DENIED');
  });

  it('accepts the form the mailed page posts (urlencoded, same origin)', async () => {
    const { auth, owner, tenantId } = await setup();
    await invite(owner, tenantId, 'carol@example.com');
    const token = await invitationToken(auth, 'carol@example.com');
    const carol = await signedIn(auth, 'carol@example.com');
    const response = await auth.app.fetch(
      new Request('http://lift.test/invitations/accept', {
        method: 'POST',
        headers: {
          cookie: `${carol.browser.cookieName}=${carol.browser.cookie}`,
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://lift.test',
          'sec-fetch-site': 'same-origin',
        },
        body: new URLSearchParams({ token }).toString(),
      }),
      { remoteAddress: '198.51.100.30' },
    );
    const body = await expectJson<TenantBody>(response, 200);
    expect(body.tenant.id).toBe(tenantId);
  });

  it('needs a signed-in caller', async () => {
    const { auth, owner, tenantId } = await setup();
    await invite(owner, tenantId, 'carol@example.com');
    const token = await invitationToken(auth, 'carol@example.com');
    await expectProblem(
      await newBrowser(auth).post('/invitations/accept', { token }),
      401,
      'LIFT_UNAUTHENTICATED',
    );
    const carol = await signedIn(auth, 'carol@example.com');
    await expectJson(await accept(carol, token), 200);
  });
});

describe('listing and revoking invitations', () => {
  it('lists pending invitations without tokens; a revoked one can no longer be accepted', async () => {
    const { auth, owner, tenantId } = await setup();
    const invitation = await invite(owner, tenantId, 'carol@example.com', 'viewer');
    const token = await invitationToken(auth, 'carol@example.com');
    const list = await owner.browser.request(`/tenants/${tenantId}/invitations`);
    const text = await list.clone().text();
    const body = await expectJson<{ invitations: Array<{ id: string; email: string; role: string }> }>(
      list,
      200,
    );
    expect(body.invitations).toMatchObject([
      { id: invitation.id, email: 'carol@example.com', role: 'viewer' },
    ]);
    expect(text).not.toContain(token);

    const revoked = await del(owner.browser, `/tenants/${tenantId}/invitations/${invitation.id}`);
    expect(revoked.status, await revoked.clone().text()).toBe(204);
    const event = await eventMatching(auth.events, (e) => e.type === 'invitation.revoked');
    expect(event).toMatchObject({ actor: owner.userId, data: { tenantId, invitationId: invitation.id } });
    await expectProblem(
      await del(owner.browser, `/tenants/${tenantId}/invitations/${invitation.id}`),
      404,
      'LIFT_NOT_FOUND',
    );
    const carol = await signedIn(auth, 'carol@example.com');
    await expectProblem(await accept(carol, token), 400, 'LIFT_INVITATION_INVALID');
  });

  it('keeps another tenant’s invitations out of reach', async () => {
    const { auth, owner, tenantId } = await setup();
    const invitation = await invite(owner, tenantId, 'carol@example.com');
    const other = await signedIn(auth, 'other@example.com');
    const otherTenant = await createTenant(other, 'globex');
    const listed = await expectJson<{ invitations: unknown[] }>(
      await other.browser.request(`/tenants/${otherTenant}/invitations`),
      200,
    );
    expect(listed.invitations).toEqual([]);
    await expectProblem(
      await del(other.browser, `/tenants/${otherTenant}/invitations/${invitation.id}`),
      404,
      'LIFT_NOT_FOUND',
    );
    await expectProblem(
      await other.browser.request(`/tenants/${tenantId}/invitations`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    const still = await expectJson<{ invitations: unknown[] }>(
      await owner.browser.request(`/tenants/${tenantId}/invitations`),
      200,
    );
    expect(still.invitations).toHaveLength(1);
  });
});
