import type { Kysely, Selectable } from 'kysely';
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
import { GLOBAL_TENANT, type LiftGrantsTable } from './access-tables.ts';
import {
  type AddGrantInput,
  GRANT_SUBJECT_TYPES,
  type Grant,
  type GrantKey,
  type GrantStore,
  type GrantSubject,
} from './grant-store.ts';

export interface SqlGrantStoreOptions {
  clock?: Clock;
  /** Where adds and removes write the events that announce them, in their transaction. */
  eventRows?: SqlEventRows;
}

type GrantRow = Selectable<LiftGrantsTable>;

/**
 * Grants in `lift_grants`, on SQLite or PostgreSQL; a global grant is stored with tenant_id '*'. Given
 * `eventRows`, adds and removes write the events that announce them in their transaction.
 */
export class SqlGrantStore implements GrantStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: SqlGrantStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async add(input: AddGrantInput, options: Announcing<Grant> = {}): Promise<Grant> {
    checkSubject(input.subject);
    const tenant = tenantColumn(input.tenantId);
    await this.#checkRole(input.roleId, input.tenantId);
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const inserted = await db
        .insertInto('lift_grants')
        .values({
          id: randomId(),
          subject_type: input.subject.type,
          subject_id: input.subject.id,
          role_id: input.roleId,
          tenant_id: tenant,
          created_by: input.createdBy ?? null,
          created_at: this.#clock.now(),
        })
        .onConflict((conflict) =>
          conflict.columns(['subject_type', 'subject_id', 'role_id', 'tenant_id']).doNothing(),
        )
        .returningAll()
        .executeTakeFirst();
      return toGrant(inserted ?? (await findGrant(db, input)));
    });
  }

  remove(key: GrantKey, options: Announcing<boolean> = {}): Promise<boolean> {
    const tenant = tenantColumn(key.tenantId);
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      const result = await db
        .deleteFrom('lift_grants')
        .where('subject_type', '=', key.subject.type)
        .where('subject_id', '=', key.subject.id)
        .where('role_id', '=', key.roleId)
        .where('tenant_id', '=', tenant)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async get(id: string): Promise<Grant | null> {
    const row = await this.#db.selectFrom('lift_grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toGrant(row) : null;
  }

  async listBySubject(subject: GrantSubject, tenantId: string | null): Promise<Grant[]> {
    const tenants = tenantId === null ? [GLOBAL_TENANT] : [GLOBAL_TENANT, tenantColumn(tenantId)];
    const rows = await this.#db
      .selectFrom('lift_grants')
      .selectAll()
      .where('subject_type', '=', subject.type)
      .where('subject_id', '=', subject.id)
      .where('tenant_id', 'in', tenants)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toGrant);
  }

  async listByTenant(tenantId: string): Promise<Grant[]> {
    const rows = await this.#db
      .selectFrom('lift_grants')
      .selectAll()
      .where('tenant_id', '=', tenantColumn(tenantId))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toGrant);
  }

  async listByRole(roleId: string, tenantId: string | null): Promise<Grant[]> {
    const rows = await this.#db
      .selectFrom('lift_grants')
      .selectAll()
      .where('role_id', '=', roleId)
      .where('tenant_id', '=', tenantColumn(tenantId))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toGrant);
  }

  /** A grant in tenant A may name a system role or one of A's roles, never B's; a global grant a system role. */
  async #checkRole(roleId: string, tenantId: string | null): Promise<void> {
    const role = await this.#db
      .selectFrom('lift_roles')
      .select('id')
      .where('id', '=', roleId)
      .where((eb) =>
        tenantId === null
          ? eb('scope', '=', 'system')
          : eb.or([eb('scope', '=', 'system'), eb('tenant_id', '=', tenantId)]),
      )
      .executeTakeFirst();
    if (!role) {
      throw new ValidationError([
        {
          location: 'body',
          path: 'roleId',
          message: 'No such role is available here.',
          code: 'unknown_role',
        },
      ]);
    }
  }
}

function findGrant(db: Kysely<LiftTables>, key: GrantKey): Promise<GrantRow> {
  return db
    .selectFrom('lift_grants')
    .selectAll()
    .where('subject_type', '=', key.subject.type)
    .where('subject_id', '=', key.subject.id)
    .where('role_id', '=', key.roleId)
    .where('tenant_id', '=', tenantColumn(key.tenantId))
    .executeTakeFirstOrThrow();
}

/** null ↔ '*'; a tenant id of '*' would read as global, so it is refused. */
function tenantColumn(tenantId: string | null): string {
  if (tenantId === null) return GLOBAL_TENANT;
  if (tenantId === GLOBAL_TENANT || tenantId === '') {
    throw new ValidationError([
      { location: 'body', path: 'tenantId', message: 'Not a tenant id.', code: 'invalid_value' },
    ]);
  }
  return tenantId;
}

function checkSubject(subject: GrantSubject): void {
  if (!GRANT_SUBJECT_TYPES.includes(subject.type)) {
    throw new ValidationError([
      {
        location: 'body',
        path: 'subject.type',
        message: 'A subject is a user, api_key or service.',
        code: 'invalid_value',
      },
    ]);
  }
}

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    subject: { type: row.subject_type, id: row.subject_id },
    roleId: row.role_id,
    tenantId: row.tenant_id === GLOBAL_TENANT ? null : row.tenant_id,
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)),
  };
}
