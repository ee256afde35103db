import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import buildNotesApp, { notesPermissions } from '../../../../examples/notes/src/app.ts';
import { UndeclaredPermissionError } from '../../src/access/permission-catalog.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import { type AuthApp, startAuthApp } from '../support/auth-app.ts';
import { signedIn } from './roles-support.ts';

/**
 * Issue 10, item 14 (and the claim of docs/access.md that a typo fails at boot): apps declare their
 * permissions, a guard naming an undeclared one fails when the route is declared with a "did you mean", and
 * a declared one decides requests as before.
 */

let auth: AuthApp | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

describe('declared permissions', () => {
  it('refuses a guard naming an undeclared permission when the route is declared, naming the closest one', async () => {
    auth = await startAuthApp({}, undefined, { permissions: { 'books:read': 'Read the tenant’s books.' } });
    const { app } = auth;
    expect(() => app.guards.requirePermission('boks:read')).toThrow(UndeclaredPermissionError);
    expect(() => app.guards.requirePermission('boks:read')).toThrow(
      'The permission "boks:read" is not declared. Did you mean "books:read"?',
    );
    expect(() => app.guards.requirePermission('ledger:close')).toThrow(/not declared/);
    // Lift's own are declared by Lift.
    expect(() => app.guards.requirePermission('members:invite')).not.toThrow();
    // Code that adds routes later declares first.
    app.permissions.declare({ 'ledger:close': 'Close the books.' });
    expect(() => app.guards.requirePermission('ledger:close')).not.toThrow();
  });

  it('an authorize() call naming an undeclared permission is a server error, never a silent 403', async () => {
    auth = await startAuthApp({}, undefined, { permissions: { 'books:read': 'Read the tenant’s books.' } });
    const { app } = auth;
    app.group('/typo', requireAuth()).get('/', async (ctx) => {
      await app.guards.authorize(ctx, 'boks:read', { tenantId: null });
      return { ok: true };
    });
    const user = await signedIn(auth, 'typo@example.com');
    const response = await user.browser.request('/typo');
    expect(response.status).toBe(500);
    expect(((await response.json()) as { code: string }).code).toBe('LIFT_CONFIG_INVALID');
  });

  it('the reference app declares every permission its routes and roles use', () => {
    const app = buildNotesApp({ log: { level: 'silent' } });
    for (const name of Object.keys(notesPermissions)) expect(app.permissions.has(name)).toBe(true);
    const migrations = readFileSync(
      new URL('../../../../examples/notes/src/migrations.ts', import.meta.url),
      'utf8',
    );
    const granted = [...migrations.matchAll(/'(notes:[a-z_]+)(?::own)?'/g)].map((match) => match[1]);
    expect(granted.length).toBeGreaterThan(0);
    for (const name of granted) expect(app.permissions.has(name!), name).toBe(true);
  });

  it('keeps docs/access.md true: its typo example fails at boot with the message it shows', () => {
    const doc = readFileSync(new URL('../../../../docs/access.md', import.meta.url), 'utf8');
    const example = /app\.guards\.requirePermission\('([^']+)'\);\n\/\/ throws (\w+): (.+)\n/.exec(doc);
    expect(example, 'docs/access.md shows a misspelt guard and what it throws').not.toBeNull();
    const [, permission, errorName, message] = example as unknown as [string, string, string, string];
    const app = buildNotesApp({ log: { level: 'silent' } });
    let thrown: unknown;
    try {
      app.guards.requirePermission(permission);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `requirePermission('${permission}') must throw, as docs/access.md says`).toBeInstanceOf(
      UndeclaredPermissionError,
    );
    expect((thrown as Error).constructor.name).toBe(errorName);
    expect((thrown as Error).message).toContain(message.trim());
  });
});
