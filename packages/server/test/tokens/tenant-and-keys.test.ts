import { afterEach, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/core/authenticate.ts';
import { requireTenant } from '../../src/tokens/require-tenant.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { call } from '../support/app-request.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

function bearer(app: AuthApp['app'], path: string, token: string, headers: Record<string, string> = {}) {
  return call(
    app,
    path,
    { headers: { authorization: `Bearer ${token}`, ...headers } },
    { remoteAddress: '198.51.100.20' },
  );
}

describe('requireTenant()', () => {
  it("refuses a token whose tid is not the route's tenant, and reports it", async () => {
    env = await startAuthApp();
    const app = env.app;
    app.group('/tenants/:tenantId/things', requireAuth(), requireTenant()).get('/', (ctx) => ({
      tenant: ctx.params.tenantId,
    }));
    app.group('/things', requireAuth(), requireTenant()).get('/', () => ({ ok: true }));
    const user = await app.identity.users.create({ email: 'tenant@example.com' });
    const acme = app.tokens.accessTokens.issue({
      userId: user.id,
      sid: 'grant-1',
      tenantId: 'acme',
      amr: ['pwd'],
      authTime: env.clock.now(),
    }).token;

    expect((await bearer(app, '/tenants/acme/things', acme)).status).toBe(200);
    const other = await bearer(app, '/tenants/globex/things', acme);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { code: string }).code).toBe('LIFT_TENANT_MISMATCH');
    expect((await bearer(app, '/things', acme, { 'x-tenant-id': 'globex' })).status).toBe(403);
    expect((await bearer(app, '/things', acme, { 'x-tenant-id': 'acme' })).status).toBe(200);
    expect((await bearer(app, '/things', acme)).status).toBe(200);
    const mismatches = env.events.filter((event) => event.type === 'token.tenant_mismatch');
    expect(mismatches).toHaveLength(2);
    expect(mismatches[0]).toMatchObject({
      actor: user.id,
      data: { routeTenant: 'globex', principalTenant: 'acme' },
    });

    // A token without an active tenant does not reach a tenant's routes either.
    const none = app.tokens.accessTokens.issue({
      userId: user.id,
      sid: 'g',
      amr: [],
      authTime: env.clock.now(),
    });
    expect((await bearer(app, '/tenants/acme/things', none.token)).status).toBe(403);
  });
});

describe('signing key rotation', () => {
  it('rotates through the admin API: new tokens use the new key, old ones keep verifying', async () => {
    env = await startAuthApp();
    const app = env.app;
    app.group('/t', requireAuth()).get('/me', (ctx) => ({ id: ctx.principal!.id }));
    const browser = new Browser(app);
    const admin = await signUpVerified(browser, 'keys-admin@example.com');
    await app.identity.roles.grant(admin.userId, 'admin');
    const kidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

    const login = async () => {
      const response = await new Browser(app).post('/auth/login', {
        email: admin.email,
        password: GOOD_PASSWORD,
        response: 'tokens',
      });
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const before = await login();
    const anonymous = await new Browser(app).post('/admin/api/keys/rotate');
    expect(anonymous.status).toBe(401);

    const rotated = await browser.post('/admin/api/keys/rotate');
    expect(rotated.status, await rotated.clone().text()).toBe(200);
    const { kid, jwks } = (await rotated.json()) as { kid: string; jwks: { keys: Array<{ kid: string }> } };
    expect(kid).not.toBe(kidOf(before));
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual([kid, kidOf(before)].sort());

    const after = await login();
    expect(kidOf(after)).toBe(kid);
    expect((await bearer(app, '/t/me', before)).status).toBe(200);
    expect((await bearer(app, '/t/me', after)).status).toBe(200);
    expect(env.events.some((event) => event.type === 'key.rotated' && event.actor === admin.userId)).toBe(
      true,
    );
  });
});
