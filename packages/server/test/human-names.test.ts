import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import type { MailTemplates } from '../src/mail/index.ts';
import {
  createTenant,
  expectJson,
  expectProblem,
  invite,
  newBrowser,
  patch,
  signedIn,
} from './access/access-app.ts';
import { type AuthApp, GOOD_PASSWORD, startAuthApp } from './support/auth-app.ts';

/**
 * Names people read — display names, tenant and role names — refuse control characters, line separators and
 * bidirectional formatting characters at input with a field-level 400; and a mail subject never carries a line
 * break, whatever the data or the template.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(templates?: Partial<MailTemplates>): Promise<AuthApp> {
  env = await startAuthApp({}, undefined, templates === undefined ? {} : { mailTemplates: templates });
  return env;
}

const PHISH = 'Eve\r\nURGENT: reset your password at https://evil.example/reset';
const BAD_NAMES: Array<[string, string]> = [
  ['CR LF', PHISH],
  ['a trailing LF', 'Eve\n'],
  ['NUL', 'Eve\u0000Admin'],
  ['a tab', 'Eve\tAdmin'],
  ['a C1 control (NEL)', 'Eve\u0085Admin'],
  ['a right-to-left override', 'Eve \u202Egnp.exe'],
  ['a right-to-left isolate', 'Eve\u2067Admin\u2069'],
  ['a line separator', 'Eve\u2028Admin'],
];
const GOOD_NAMES = ['José Ñúñez', 'مريم الحسن', '李小龍', '👩‍💻 Dev Team', "O'Brien-Smith"];

type FieldProblem = { errors: Array<{ location: string; path: string; message: string }> };

async function expectNameRefused(response: Response, path = 'name'): Promise<void> {
  const problem = (await expectProblem(response, 400, 'LIFT_VALIDATION_FAILED')) as unknown as FieldProblem;
  expect(problem.errors).toEqual([
    { location: 'body', path, code: 'custom', message: expect.stringMatching(/control characters/) },
  ]);
}

describe('display names', () => {
  it.each(BAD_NAMES)('signup refuses a name with %s, field by field', async (_what, name) => {
    const auth = await start();
    const browser = newBrowser(auth);
    await expectNameRefused(
      await browser.post('/auth/signup', { email: 'eve@example.com', password: GOOD_PASSWORD, name }),
    );
    expect(await auth.app.identity.users.findByEmail('eve@example.com')).toBeNull();
  });

  it('signup takes names in any script, with emoji and apostrophes', async () => {
    const auth = await start();
    for (const [index, name] of GOOD_NAMES.entries()) {
      const email = `person${index}@example.com`;
      const response = await newBrowser(auth).post('/auth/signup', { email, password: GOOD_PASSWORD, name });
      expect(response.status, await response.clone().text()).toBe(202);
      expect((await auth.app.identity.users.findByEmail(email))?.name).toBe(name);
    }
  });

  it('the user store refuses such a name too, so the CLI and code calling it keep the rule', async () => {
    const auth = await start();
    const users = auth.app.identity.users;
    await expect(users.create({ email: 'eve@example.com', name: PHISH })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const eve = await users.create({ email: 'eve@example.com', name: 'Eve' });
    await expect(users.updateName(eve.id, 'Eve\u202E')).rejects.toBeInstanceOf(ValidationError);
    expect((await users.findById(eve.id))?.name).toBe('Eve');
  });
});

describe('tenant and role names', () => {
  it.each(BAD_NAMES)('refuses a tenant or role name with %s on create and on change', async (_what, name) => {
    const auth = await start();
    const owner = await signedIn(auth, 'owner@example.com');
    await expectNameRefused(await owner.browser.post('/tenants', { name, slug: 'evil' }));
    const tenantId = await createTenant(owner, 'acme', 'Acme');
    await expectNameRefused(await patch(owner.browser, `/tenants/${tenantId}`, { name }));

    const roles = `/tenants/${tenantId}/roles`;
    await expectNameRefused(await owner.browser.post(roles, { name, permissions: [] }));
    const role = await expectJson<{ role: { id: string } }>(
      await owner.browser.post(roles, { name: 'Editors', permissions: [] }),
      201,
    );
    await expectNameRefused(await patch(owner.browser, `${roles}/${role.role.id}`, { name }));
  });

  it('takes tenant and role names in any script', async () => {
    const auth = await start();
    const owner = await signedIn(auth, 'owner@example.com');
    for (const [index, name] of GOOD_NAMES.entries()) {
      const created = await expectJson<{ tenant: { id: string; name: string } }>(
        await owner.browser.post('/tenants', { name, slug: `t${index}` }),
        201,
      );
      expect(created.tenant.name).toBe(name);
      const role = await owner.browser.post(`/tenants/${created.tenant.id}/roles`, { name, permissions: [] });
      expect(role.status, await role.clone().text()).toBe(201);
    }
  });
});

describe('mail subjects', () => {
  it('never carry a line break, even from a name stored before the rule', async () => {
    const auth = await start();
    const owner = await signedIn(auth, 'eve@example.com');
    const tenantId = await createTenant(owner, 'acme', 'Acme');
    // A row written before names were checked: straight into the table, past every check.
    await auth.app.storage.sql.db
      .updateTable('lift_users')
      .set({ name: PHISH })
      .where('id', '=', owner.userId)
      .execute();
    await invite(owner, tenantId, 'victim@example.com');
    // Invitation mail is a durable job (mail/mail-queue.ts): sent by the worker just after the answer.
    await auth.app.outbox.idle();
    const mail = auth.mail.messages.find((message) => message.to === 'victim@example.com');
    expect(mail?.subject).toBe(
      'Eve URGENT: reset your password at https://evil.example/reset invited you to Acme on Lift',
    );
  });

  it('never carry a line break or bidi override from a custom template either', async () => {
    const auth = await start({
      passwordReset: ({ link }) => ({
        subject: 'Reset\r\nBcc: everyone@example.com\u202E',
        text: link,
        html: link,
      }),
    });
    const browser = newBrowser(auth);
    await auth.app.identity.users.create({ email: 'ada@example.com', name: 'Ada' });
    expect((await browser.post('/auth/password/forgot', { email: 'ada@example.com' })).status).toBe(202);
    await expect.poll(() => auth.mail.messages.length).toBe(1);
    expect(auth.mail.messages[0]?.subject).toBe('Reset Bcc: everyone@example.com');
  });
});
