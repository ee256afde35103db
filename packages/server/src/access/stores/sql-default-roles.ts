import type { Kysely } from 'kysely';
import { randomId } from '../../core/crypto/random.ts';
import type { LiftTables } from '../../storage/index.ts';
import { DEFAULT_TENANT_TEMPLATES, SYSTEM_ADMIN_ROLE, TENANT_OWNER_ROLE } from '../default-roles.ts';
import { ALL_PERMISSIONS, assertGrantablePermission } from '../engine/permission.ts';
import { GLOBAL_TENANT } from './access-tables.ts';
import { parseStringArray } from './json-text.ts';

/**
 * The default roles (`../default-roles.ts`) written to SQL: seeded by the access module's migrations (0008, 0010), and
 * extended by an app's own migrations with `addTemplatePermissions`.
 */

/** The table of system roles before access control (migration 0005); 0008 moves it into grants and drops it. */
interface LegacySystemRolesTable {
  user_id: string;
  role: string;
  created_at: number | string;
}

type Db = Kysely<LiftTables>;
type LegacyDb = Kysely<{ lift_system_roles: LegacySystemRolesTable }>;

/** Creates the system admin role and the tenant templates that are missing (by name). For migration 0008. */
export async function seedDefaultRoles(db: Db, now: number): Promise<{ systemAdminId: string }> {
  let admin = await db
    .selectFrom('lift_roles')
    .select('id')
    .where('scope', '=', 'system')
    .where('name', '=', SYSTEM_ADMIN_ROLE)
    .executeTakeFirst();
  if (!admin) {
    admin = { id: randomId() };
    await db
      .insertInto('lift_roles')
      .values({
        id: admin.id,
        tenant_id: null,
        scope: 'system',
        name: SYSTEM_ADMIN_ROLE,
        description: 'Every permission, in every tenant.',
        permissions: JSON.stringify(['*']),
        inherits: '[]',
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const idsByName = new Map<string, string>();
  for (const template of DEFAULT_TENANT_TEMPLATES) {
    const existing = await db
      .selectFrom('lift_roles')
      .select('id')
      .where('scope', '=', 'template')
      .where('name', '=', template.name)
      .executeTakeFirst();
    if (existing) {
      idsByName.set(template.name, existing.id);
      continue;
    }
    const id = randomId();
    const inherits = template.inherits.flatMap((name) => idsByName.get(name) ?? []);
    await db
      .insertInto('lift_roles')
      .values({
        id,
        tenant_id: null,
        scope: 'template',
        name: template.name,
        description: template.description,
        permissions: JSON.stringify(template.permissions),
        inherits: JSON.stringify(inherits),
        created_at: now,
        updated_at: now,
      })
      .execute();
    idsByName.set(template.name, id);
  }
  return { systemAdminId: admin.id };
}

export interface TemplatePermissionOptions {
  /**
   * Also add the permissions to every existing tenant's role of the same name (tenants copy the templates
   * when they are made, so otherwise only tenants made afterwards get them). Default false.
   */
  applyToExisting?: boolean;
  /** The `updated_at` written; default now. */
  now?: number;
}

/**
 * For an app's own migration: adds permissions to the tenant templates by name (`{ viewer: ['notes:read'] }`),
 * keeping the ones they have. Tenants created afterwards get them; with `applyToExisting`, every existing
 * tenant's role of that name gets them too (a tenant's `owner` needs nothing: it holds `*`). Running nodes see
 * the change at their next start or `reload()`. Throws for an unknown template or a malformed permission.
 * Unlike the role API it does not check the permissions against the app's declarations: a migration receives
 * only the database and replays on every new one, so a permission renamed later must not break it.
 */
export async function addTemplatePermissions<Tables>(
  db: Kysely<Tables>,
  additions: Readonly<Record<string, readonly string[]>>,
  options: TemplatePermissionOptions = {},
): Promise<void> {
  const liftDb = db as unknown as Db;
  const now = options.now ?? Date.now();
  for (const [name, permissions] of Object.entries(additions)) {
    for (const permission of permissions) {
      assertGrantablePermission(permission);
    }
    const template = await liftDb
      .selectFrom('lift_roles')
      .select(['id', 'permissions'])
      .where('scope', '=', 'template')
      .where('name', '=', name)
      .executeTakeFirst();
    if (!template) {
      throw new TypeError(`There is no role template named "${name}".`);
    }
    const rows = [template];
    if (options.applyToExisting === true) {
      rows.push(
        ...(await liftDb
          .selectFrom('lift_roles')
          .select(['id', 'permissions'])
          .where('scope', '=', 'tenant')
          .where('name', '=', name)
          .execute()),
      );
    }
    for (const row of rows) await addPermissions(liftDb, row, permissions, now);
  }
}

async function addPermissions(
  db: Db,
  row: { id: string; permissions: string },
  permissions: readonly string[],
  now: number,
): Promise<void> {
  const current = parseStringArray(row.permissions);
  const merged = [...new Set([...current, ...permissions])];
  if (merged.length === current.length) return;
  await db
    .updateTable('lift_roles')
    .set({ permissions: JSON.stringify(merged), updated_at: now })
    .where('id', '=', row.id)
    .execute();
}

/**
 * Migration 0009: the `owner` template and every tenant's `owner` role hold `*`, so a tenant's owner has
 * every permission in its tenant, including ones an app adds later.
 */
export async function giveOwnersEveryPermission(db: Db, now: number): Promise<void> {
  const owners = await db
    .selectFrom('lift_roles')
    .select(['id', 'permissions'])
    .where('scope', 'in', ['template', 'tenant'])
    .where('name', '=', TENANT_OWNER_ROLE)
    .execute();
  for (const row of owners) await addPermissions(db, row, [ALL_PERMISSIONS], now);
}

/** Migration 0008: `lift_system_roles` rows become global grants of the system admin role. */
export async function moveSystemRolesToGrants(db: Db, systemAdminId: string): Promise<void> {
  const rows = await (db as unknown as LegacyDb)
    .selectFrom('lift_system_roles')
    .select(['user_id', 'role', 'created_at'])
    .where('role', '=', SYSTEM_ADMIN_ROLE)
    .execute();
  for (const row of rows) {
    await db
      .insertInto('lift_grants')
      .values({
        id: randomId(),
        subject_type: 'user',
        subject_id: row.user_id,
        role_id: systemAdminId,
        tenant_id: GLOBAL_TENANT,
        created_by: null,
        created_at: Number(row.created_at),
      })
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }
}
