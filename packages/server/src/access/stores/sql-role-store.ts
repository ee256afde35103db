import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { type Clock, systemClock } from '../../core/clock.ts';
import { randomId } from '../../core/crypto/random.ts';
import { ValidationError } from '../../core/errors.ts';
import type { Announcing } from '../../core/events.ts';
import {
  changeAnnounced,
  type LiftTables,
  type SqlDatabase,
  type SqlEventRows,
} from '../../storage/index.ts';
import type { LiftRolesTable } from './access-tables.ts';
import { parseStringArray } from './json-text.ts';
import { RoleNameTakenError } from './role-name-taken-error.ts';
import type { CreateRoleInput, Role, RoleOwner, RoleStore, UpdateRoleInput } from './role-store.ts';

export interface SqlRoleStoreOptions {
  clock?: Clock;
  /** Where creates, updates and deletes write the events that announce them, in their transaction. */
  eventRows?: SqlEventRows;
}

type RoleRow = Selectable<LiftRolesTable>;
type Roles = ExpressionBuilder<LiftTables, 'lift_roles'>;

const MAX_NAME_LENGTH = 100;
const MAX_PERMISSION_LENGTH = 200;

/** Roles in `lift_roles`, on SQLite or PostgreSQL; given `eventRows`, changes announce themselves. */
export class SqlRoleStore implements RoleStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: SqlRoleStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async create(input: CreateRoleInput, options: Announcing<Role> = {}): Promise<Role> {
    const { owner } = input;
    const name = checkName(input.name);
    const permissions = checkPermissions(input.permissions ?? []);
    const inherits = distinct(input.inherits ?? []);
    await this.#checkInherits(owner, undefined, inherits);
    const now = this.#clock.now();
    // No conflict target: the name is unique through one of two partial indexes, and DO NOTHING without a
    // target covers both on either dialect.
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const row = await db
        .insertInto('lift_roles')
        .values({
          id: randomId(),
          scope: owner.scope,
          tenant_id: ownerTenant(owner),
          name,
          description: input.description ?? null,
          permissions: JSON.stringify(permissions),
          inherits: JSON.stringify(inherits),
          created_at: now,
          updated_at: now,
        })
        .onConflict((conflict) => conflict.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new RoleNameTakenError();
      return toRole(row);
    });
  }

  async get(owner: RoleOwner, id: string): Promise<Role | null> {
    const row = await this.#db
      .selectFrom('lift_roles')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => ownedBy(eb, owner))
      .executeTakeFirst();
    return row ? toRole(row) : null;
  }

  async findById(id: string): Promise<Role | null> {
    const row = await this.#db.selectFrom('lift_roles').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRole(row) : null;
  }

  async list(owner: RoleOwner): Promise<Role[]> {
    const rows = await this.#db
      .selectFrom('lift_roles')
      .selectAll()
      .where((eb) => ownedBy(eb, owner))
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toRole);
  }

  async findVisible(tenantId: string | null, ids: readonly string[]): Promise<Role[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .selectFrom('lift_roles')
      .selectAll()
      .where('id', 'in', [...ids])
      .where((eb) =>
        tenantId === null
          ? eb('scope', '=', 'system')
          : eb.or([eb('scope', '=', 'system'), eb('tenant_id', '=', tenantId)]),
      )
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toRole);
  }

  async update(
    owner: RoleOwner,
    id: string,
    changes: UpdateRoleInput,
    options: Announcing<Role | null> = {},
  ): Promise<Role | null> {
    const values: {
      name?: string;
      description?: string | null;
      permissions?: string;
      inherits?: string;
      updated_at: number;
    } = { updated_at: this.#clock.now() };
    if (changes.name !== undefined) values.name = checkName(changes.name);
    if (changes.description !== undefined) values.description = changes.description;
    if (changes.permissions !== undefined) {
      values.permissions = JSON.stringify(checkPermissions(changes.permissions));
    }
    if (changes.inherits !== undefined) {
      const inherits = distinct(changes.inherits);
      await this.#checkInherits(owner, id, inherits);
      values.inherits = JSON.stringify(inherits);
    }
    const name = values.name;
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      let query = db
        .updateTable('lift_roles')
        .set(values)
        .where('id', '=', id)
        .where((eb) => ownedBy(eb, owner));
      if (name !== undefined) {
        // A taken name is refused in the same statement; the unique index still guards a racing writer.
        query = query.where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('lift_roles as other')
                .select('other.id')
                .where('other.name', '=', name)
                .where('other.id', '<>', id)
                .where('other.scope', '=', owner.scope)
                .where((eb) => {
                  const tenant = ownerTenant(owner);
                  return tenant === null
                    ? eb('other.tenant_id', 'is', null)
                    : eb('other.tenant_id', '=', tenant);
                }),
            ),
          ),
        );
      }
      const row = await query.returningAll().executeTakeFirst();
      if (row) return toRole(row);
      if (name !== undefined && (await roleExists(db, owner, id))) throw new RoleNameTakenError();
      return null;
    });
  }

  delete(owner: RoleOwner, id: string, options: Announcing<boolean> = {}): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const deleted = await this.#deleteWithin(trx, owner, id);
      if (this.#eventRows && options.announce) await this.#eventRows.write(trx, options.announce(deleted));
      return deleted;
    });
  }

  async #deleteWithin(trx: Kysely<LiftTables>, owner: RoleOwner, id: string): Promise<boolean> {
    const result = await trx
      .deleteFrom('lift_roles')
      .where('id', '=', id)
      .where((eb) => ownedBy(eb, owner))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await trx.deleteFrom('lift_grants').where('role_id', '=', id).execute();
    await trx
      .deleteFrom('lift_invitations')
      .where('role_id', '=', id)
      .where('accepted_at', 'is', null)
      .execute();
    await removeFromInherits(trx, id, this.#clock.now());
    return true;
  }

  /** Every inherited role must exist and be visible to the owner, and the graph must stay acyclic. */
  async #checkInherits(owner: RoleOwner, id: string | undefined, inherits: string[]): Promise<void> {
    if (id !== undefined && inherits.includes(id)) throw inheritsIssue('A role cannot inherit itself.');
    if (inherits.length === 0) return;
    const visible = await this.#db
      .selectFrom('lift_roles')
      .select(['id', 'inherits'])
      .where((eb) => inheritableBy(eb, owner))
      .execute();
    const graph = new Map(visible.map((row) => [row.id, parseStringArray(row.inherits)]));
    if (inherits.some((parent) => !graph.has(parent))) {
      throw inheritsIssue('An inherited role does not exist or is not visible to this role.');
    }
    // A new role cannot close a cycle: nothing inherits it yet.
    if (id !== undefined && reaches(graph, inherits, id)) {
      throw inheritsIssue('This inheritance would make a cycle.');
    }
  }
}

async function roleExists(db: Kysely<LiftTables>, owner: RoleOwner, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('lift_roles')
    .select('id')
    .where('id', '=', id)
    .where((eb) => ownedBy(eb, owner))
    .executeTakeFirst();
  return row !== undefined;
}

function ownerTenant(owner: RoleOwner): string | null {
  return owner.scope === 'tenant' ? owner.tenantId : null;
}

function ownedBy(eb: Roles, owner: RoleOwner) {
  const tenant = ownerTenant(owner);
  return eb.and([
    eb('scope', '=', owner.scope),
    tenant === null ? eb('tenant_id', 'is', null) : eb('tenant_id', '=', tenant),
  ]);
}

function inheritableBy(eb: Roles, owner: RoleOwner) {
  switch (owner.scope) {
    case 'system':
      return eb('scope', '=', 'system');
    case 'template':
      return eb('scope', 'in', ['system', 'template']);
    case 'tenant':
      return eb.or([eb('scope', '=', 'system'), eb('tenant_id', '=', owner.tenantId)]);
  }
}

/** Whether `target` is reachable from `start` by following inherits edges. */
function reaches(graph: Map<string, string[]>, start: string[], target: string): boolean {
  const seen = new Set<string>();
  const stack = [...start];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next === target) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(graph.get(next) ?? []));
  }
  return false;
}

async function removeFromInherits(trx: Kysely<LiftTables>, id: string, now: number): Promise<void> {
  // LIKE narrows the scan; `_` and `-` in an id only widen the match, and the parsed array decides.
  const rows = await trx
    .selectFrom('lift_roles')
    .select(['id', 'inherits'])
    .where('inherits', 'like', `%"${id}"%`)
    .execute();
  for (const row of rows) {
    const inherits = parseStringArray(row.inherits);
    if (!inherits.includes(id)) continue;
    await trx
      .updateTable('lift_roles')
      .set({ inherits: JSON.stringify(inherits.filter((parent) => parent !== id)), updated_at: now })
      .where('id', '=', row.id)
      .execute();
  }
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH) {
    throw new ValidationError([
      {
        location: 'body',
        path: 'name',
        message: `A role name is 1 to ${MAX_NAME_LENGTH} characters.`,
        code: 'invalid_value',
      },
    ]);
  }
  return trimmed;
}

/** Permissions are opaque to the store, but never empty, never padded with white space. */
function checkPermissions(permissions: readonly string[]): string[] {
  for (const permission of permissions) {
    if (
      typeof permission !== 'string' ||
      permission === '' ||
      permission.length > MAX_PERMISSION_LENGTH ||
      /\s/.test(permission)
    ) {
      throw new ValidationError([
        {
          location: 'body',
          path: 'permissions',
          message: `A permission is 1 to ${MAX_PERMISSION_LENGTH} characters without white space.`,
          code: 'invalid_value',
        },
      ]);
    }
  }
  return distinct(permissions);
}

function inheritsIssue(message: string): ValidationError {
  return new ValidationError([{ location: 'body', path: 'inherits', message, code: 'invalid_value' }]);
}

function toRole(row: RoleRow): Role {
  return {
    id: row.id,
    scope: row.scope,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    permissions: parseStringArray(row.permissions),
    inherits: parseStringArray(row.inherits),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}
