import { afterEach, describe, expect, it } from 'vitest';
import type { AuthApp } from '../support/auth-app.ts';
import { startAuthApp } from '../support/auth-app.ts';
import { type FreshPostgresSchema, freshPostgresSchemaUrl, postgresUrl } from '../support/services.ts';
import { createTenant, del, joined, type SignedInUser, signedIn, startAccessApp } from './access-app.ts';

/**
 * The last-owner rule under concurrency: two owners removing each other, or both leaving, at the same
 * instant. Exactly one request succeeds each round and the tenant always keeps an owner.
 */

let auth: AuthApp | undefined;
let schema: FreshPostgresSchema | undefined;
afterEach(async () => {
  await auth?.close();
  await schema?.drop();
  auth = undefined;
  schema = undefined;
});

const pg = await postgresUrl();
const databases: Array<[string, () => Promise<AuthApp>]> = [['SQLite', () => startAccessApp()]];
if (pg) {
  databases.push([
    'PostgreSQL',
    async () => {
      schema = await freshPostgresSchemaUrl('last_owner_race');
      return startAuthApp({ storage: { url: schema.url } });
    },
  ]);
}

const ROUNDS = 20;

interface Pair {
  tenantId: string;
  a: SignedInUser;
  b: SignedInUser;
}

async function twoOwners(app: AuthApp): Promise<Pair> {
  const a = await signedIn(app, 'a@example.com');
  const tenantId = await createTenant(a, 'race');
  const b = await joined(app, a, tenantId, 'b@example.com', 'owner');
  return { tenantId, a, b };
}

async function ownerRoleId(app: AuthApp, tenantId: string): Promise<string> {
  const roles = await app.app.access.roles.list({ scope: 'tenant', tenantId });
  const owner = roles.find((role) => role.name === 'owner');
  if (!owner) throw new Error('the tenant has no owner role');
  return owner.id;
}

/** The users granted `owner` in the tenant, read from the database. */
async function ownersOf(app: AuthApp, tenantId: string): Promise<string[]> {
  const grants = await app.app.access.grants.listByRole(await ownerRoleId(app, tenantId), tenantId);
  return grants.map((grant) => grant.subject.id).sort();
}

/** Makes `userId` a member and owner again (set-up for the next round, straight through the stores). */
async function restoreOwner(app: AuthApp, tenantId: string, userId: string): Promise<void> {
  const { access } = app.app;
  const subject = { type: 'user' as const, id: userId };
  await access.memberships.add(tenantId, userId);
  await access.grants.add({ subject, roleId: await ownerRoleId(app, tenantId), tenantId });
  await access.control.changed({ kind: 'grant', tenantId, subjects: [subject] });
}

/** One 204 and one refusal: 409 `LIFT_LAST_OWNER`, or 403 when the loser's guard already saw them gone. */
async function expectOneWinner(responses: Response[], pair: Pair): Promise<SignedInUser> {
  const statuses = responses.map((response) => response.status);
  expect(
    statuses.filter((status) => status === 204),
    statuses.join(),
  ).toHaveLength(1);
  const loser = responses.find((response) => response.status !== 204);
  expect([403, 409]).toContain(loser?.status);
  if (loser?.status === 409) expect(((await loser.json()) as { code: string }).code).toBe('LIFT_LAST_OWNER');
  return responses[0]?.status === 204 ? pair.a : pair.b;
}

describe.each(databases)('the last owner under concurrency on %s', (_name, start) => {
  it(`two owners removing each other at once: exactly one succeeds, ${ROUNDS} rounds`, async () => {
    auth = await start();
    const app = auth;
    const pair = await twoOwners(app);
    const { tenantId, a, b } = pair;
    for (let round = 0; round < ROUNDS; round++) {
      const responses = await Promise.all([
        del(a.browser, `/tenants/${tenantId}/members/${b.userId}`),
        del(b.browser, `/tenants/${tenantId}/members/${a.userId}`),
      ]);
      const winner = await expectOneWinner(responses, pair);
      expect(await ownersOf(app, tenantId)).toEqual([winner.userId]);
      await restoreOwner(app, tenantId, winner === a ? b.userId : a.userId);
    }
  });

  it(`two owners leaving at once: exactly one leaves, ${ROUNDS} rounds`, async () => {
    auth = await start();
    const app = auth;
    const pair = await twoOwners(app);
    const { tenantId, a, b } = pair;
    for (let round = 0; round < ROUNDS; round++) {
      const responses = await Promise.all([
        a.browser.post(`/tenants/${tenantId}/leave`, {}),
        b.browser.post(`/tenants/${tenantId}/leave`, {}),
      ]);
      const leaver = await expectOneWinner(responses, pair);
      const stayer = leaver === a ? b : a;
      expect(await ownersOf(app, tenantId)).toEqual([stayer.userId]);
      expect(await app.app.access.memberships.isMember(tenantId, stayer.userId)).toBe(true);
      await restoreOwner(app, tenantId, leaver.userId);
    }
  });
});
