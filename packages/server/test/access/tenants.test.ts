import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import { eventMatching } from '../tokens/token-client.ts';
import {
  comparable,
  createTenant,
  del,
  expectJson,
  expectProblem,
  joined,
  logInAgain,
  newBrowser,
  patch,
  signedIn,
  startAccessApp,
  type TenantBody,
} from './access-app.ts';

/** `/tenants` and `/tenants/:tenantId`: creating, listing, reading, changing and deleting tenants. */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(): Promise<AuthApp> {
  env = await startAccessApp();
  return env;
}

const SIX_MINUTES = 6 * 60 * 1000;

describe('POST /tenants', () => {
  it('creates a tenant whose creator is its owner, and lists it among the caller’s tenants', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    const created = await expectJson<TenantBody>(
      await alice.browser.post('/tenants', {
        name: 'Acme',
        slug: 'Acme-Corp',
        settings: { require_mfa: false, theme: 'dark' },
      }),
      201,
    );
    expect(created.tenant).toMatchObject({
      name: 'Acme',
      slug: 'acme-corp',
      settings: { require_mfa: false, theme: 'dark' },
      created_by: alice.userId,
    });
    expect(created.roles).toEqual(['admin', 'member', 'owner', 'viewer']);
    const event = await eventMatching(auth.events, (e) => e.type === 'tenant.created');
    expect(event).toMatchObject({
      actor: alice.userId,
      data: { tenantId: created.tenant.id, slug: 'acme-corp' },
    });

    const mine = await expectJson<{ tenants: TenantBody[] }>(await alice.browser.request('/tenants'), 200);
    expect(mine.tenants.map((entry) => [entry.tenant.id, entry.roles])).toEqual([
      [created.tenant.id, ['admin', 'member', 'owner', 'viewer']],
    ]);
    const shown = await expectJson<TenantBody>(
      await alice.browser.request(`/tenants/${created.tenant.id}`),
      200,
    );
    expect(shown.tenant.slug).toBe('acme-corp');

    const bob = await signedIn(auth, 'bob@example.com');
    expect(await expectJson(await bob.browser.request('/tenants'), 200)).toEqual({ tenants: [] });
  });

  it('refuses a slug in use (in any case) with 409 LIFT_TENANT_SLUG_TAKEN', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    await createTenant(alice, 'acme');
    const bob = await signedIn(auth, 'bob@example.com');
    await expectProblem(
      await bob.browser.post('/tenants', { name: 'Other', slug: 'ACME' }),
      409,
      'LIFT_TENANT_SLUG_TAKEN',
    );
    expect(await expectJson(await bob.browser.request('/tenants'), 200)).toEqual({ tenants: [] });
  });

  it('validates name, slug and settings', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    const cases: Array<[unknown, string]> = [
      [{ slug: 'acme' }, 'name'],
      [{ name: '  ', slug: 'acme' }, 'name'],
      [{ name: 'Acme', slug: '-acme' }, 'slug'],
      [{ name: 'Acme', slug: 'a b' }, 'slug'],
      [{ name: 'Acme', slug: 'acme', settings: { require_mfa: 'yes' } }, 'settings.require_mfa'],
      [{ name: 'Acme', slug: 'acme', settings: ['require_mfa'] }, 'settings'],
      [{ name: 'Acme', slug: 'acme', settings: { blob: 'x'.repeat(20_000) } }, 'settings'],
    ];
    for (const [body, path] of cases) {
      const problem = await expectProblem(
        await alice.browser.post('/tenants', body),
        400,
        'LIFT_VALIDATION_FAILED',
      );
      const paths = (problem.errors as Array<{ path: string }>).map((issue) => issue.path);
      expect(paths, JSON.stringify(body).slice(0, 80)).toContain(path);
    }
    expect(await expectJson(await alice.browser.request('/tenants'), 200)).toEqual({ tenants: [] });
  });

  it('needs a signed-in caller', async () => {
    const auth = await start();
    const anonymous = newBrowser(auth);
    await expectProblem(
      await anonymous.post('/tenants', { name: 'A', slug: 'a' }),
      401,
      'LIFT_UNAUTHENTICATED',
    );
    await expectProblem(await anonymous.request('/tenants'), 401, 'LIFT_UNAUTHENTICATED');
  });
});

describe('GET /tenants/:tenantId', () => {
  it('gives a non-member the same 403 for a real tenant and an unknown id, with nothing of the tenant', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    const tenantId = await createTenant(alice, 'secret-corp', 'Secret Corp');
    const mallory = await signedIn(auth, 'mallory@example.com');

    const real = await mallory.browser.request(`/tenants/${tenantId}`);
    const realText = await real.clone().text();
    const realProblem = await expectProblem(real, 403, 'LIFT_PERMISSION_DENIED');
    expect(realProblem.detail).toContain('tenant:read');
    expect(realText).not.toContain('Secret Corp');
    expect(realText).not.toContain('secret-corp');
    const unknown = await expectProblem(
      await mallory.browser.request('/tenants/no-such-tenant'),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(comparable(unknown)).toEqual(comparable(realProblem));

    const denial = await eventMatching(
      auth.events,
      (e) => e.type === 'access.denied' && (e.data as { tenantId?: string }).tenantId === tenantId,
    );
    expect(denial).toMatchObject({
      actor: mallory.userId,
      reason: 'missing_permission',
      data: { permission: 'tenant:read' },
    });
  });

  it('shows a system admin any tenant, and 404 for an unknown id', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    const tenantId = await createTenant(alice, 'acme');
    const root = await signedIn(auth, 'root@example.com');
    await auth.app.identity.roles.grant(root.userId, 'admin');
    const shown = await expectJson<TenantBody>(await root.browser.request(`/tenants/${tenantId}`), 200);
    expect(shown.tenant.id).toBe(tenantId);
    expect(shown.roles).toEqual(['admin']);
    await expectProblem(await root.browser.request('/tenants/no-such-tenant'), 404, 'LIFT_NOT_FOUND');
  });
});

describe('PATCH /tenants/:tenantId', () => {
  it('lets an admin rename the tenant and replace its settings; a member may not', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    const tenantId = await createTenant(alice, 'acme');
    const admin = await joined(auth, alice, tenantId, 'admin@example.com', 'admin');
    const member = await joined(auth, alice, tenantId, 'member@example.com', 'member');

    const updated = await expectJson<TenantBody>(
      await patch(admin.browser, `/tenants/${tenantId}`, {
        name: 'Acme Inc',
        settings: { require_mfa: false, locale: 'de' },
      }),
      200,
    );
    expect(updated.tenant).toMatchObject({
      name: 'Acme Inc',
      slug: 'acme',
      settings: { require_mfa: false, locale: 'de' },
    });
    const event = await eventMatching(auth.events, (e) => e.type === 'tenant.updated');
    expect(event).toMatchObject({ actor: admin.userId, data: { tenantId, fields: ['name', 'settings'] } });

    const refused = await expectProblem(
      await patch(member.browser, `/tenants/${tenantId}`, { name: 'Hijacked' }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(refused.detail).toContain('tenant:update');
    const shown = await expectJson<TenantBody>(await member.browser.request(`/tenants/${tenantId}`), 200);
    expect(shown.tenant.name).toBe('Acme Inc');
  });

  it('refuses an empty change, a taken slug and bad settings', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    const tenantId = await createTenant(alice, 'acme');
    await createTenant(alice, 'globex');
    await expectProblem(
      await patch(alice.browser, `/tenants/${tenantId}`, {}),
      400,
      'LIFT_VALIDATION_FAILED',
    );
    await expectProblem(
      await patch(alice.browser, `/tenants/${tenantId}`, { slug: 'globex' }),
      409,
      'LIFT_TENANT_SLUG_TAKEN',
    );
    await expectProblem(
      await patch(alice.browser, `/tenants/${tenantId}`, { settings: { require_mfa: 1 } }),
      400,
      'LIFT_VALIDATION_FAILED',
    );
  });
});

describe('DELETE /tenants/:tenantId', () => {
  it('needs tenant:delete and a fresh session, then removes the tenant for every member', async () => {
    const auth = await start();
    const alice = await signedIn(auth, 'alice@example.com');
    const tenantId = await createTenant(alice, 'acme');
    const admin = await joined(auth, alice, tenantId, 'admin@example.com', 'admin');

    const notOwner = await expectProblem(
      await del(admin.browser, `/tenants/${tenantId}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(notOwner.detail).toContain('tenant:delete');

    auth.clock.advance(SIX_MINUTES);
    await expectProblem(await del(alice.browser, `/tenants/${tenantId}`), 403, 'LIFT_REAUTH_REQUIRED');
    await eventMatching(auth.events, (e) => e.type === 'access.denied' && e.reason === 'reauth_required');
    await expectJson(await admin.browser.request(`/tenants/${tenantId}`), 200);

    await logInAgain(alice);
    const deleted = await del(alice.browser, `/tenants/${tenantId}`);
    expect(deleted.status, await deleted.clone().text()).toBe(204);
    const event = await eventMatching(auth.events, (e) => e.type === 'tenant.deleted');
    expect(event).toMatchObject({ actor: alice.userId, data: { tenantId } });

    await expectProblem(await admin.browser.request(`/tenants/${tenantId}`), 403, 'LIFT_PERMISSION_DENIED');
    await expectProblem(await alice.browser.request(`/tenants/${tenantId}`), 403, 'LIFT_PERMISSION_DENIED');
    expect(await expectJson(await alice.browser.request('/tenants'), 200)).toEqual({ tenants: [] });
    expect(await expectJson(await admin.browser.request('/tenants'), 200)).toEqual({ tenants: [] });
    // The slug is free again.
    await createTenant(admin, 'acme');
  });
});
