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
import type { LiftTenantsTable } from './access-tables.ts';
import { parseJsonObject } from './json-text.ts';
import { normalizeTenantSlug } from './tenant-slug.ts';
import { TenantSlugTakenError } from './tenant-slug-taken-error.ts';
import type {
  CreateTenantInput,
  Tenant,
  TenantSettings,
  TenantStore,
  UpdateTenantInput,
} from './tenant-store.ts';

export interface SqlTenantStoreOptions {
  clock?: Clock;
  /** Where updates and deletes write the events that announce them, in their transaction. */
  eventRows?: SqlEventRows;
}

type TenantRow = Selectable<LiftTenantsTable>;

/**
 * Tenants in `lift_tenants` (with `lift_memberships` for the creator), on SQLite or PostgreSQL. Given
 * `eventRows`, an update or delete writes the events that announce it in its transaction.
 */
export class SqlTenantStore implements TenantStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #eventRows: SqlEventRows | undefined;

  constructor(database: SqlDatabase, options: SqlTenantStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    this.#eventRows = options.eventRows;
  }

  get #db() {
    return this.#database.db;
  }

  async create(input: CreateTenantInput): Promise<Tenant> {
    const name = checkName(input.name);
    const slug = normalizeTenantSlug(input.slug);
    const settings = serializeSettings(input.settings ?? {});
    const now = this.#clock.now();
    const row = await this.#db.transaction().execute(async (trx) => {
      // ON CONFLICT DO NOTHING rather than catching the driver's error: it leaves the transaction usable
      // on PostgreSQL and reads the same on both dialects.
      const tenant = await trx
        .insertInto('lift_tenants')
        .values({
          id: randomId(),
          name,
          slug,
          settings,
          created_by: input.createdBy,
          created_at: now,
          updated_at: now,
        })
        .onConflict((conflict) => conflict.column('slug').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!tenant) return undefined;
      await trx
        .insertInto('lift_memberships')
        .values({ tenant_id: tenant.id, user_id: input.createdBy, created_at: now })
        .execute();
      return tenant;
    });
    if (!row) throw new TenantSlugTakenError();
    return toTenant(row);
  }

  async get(id: string): Promise<Tenant | null> {
    const row = await this.#db.selectFrom('lift_tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async getBySlug(slug: string): Promise<Tenant | null> {
    const row = await this.#db
      .selectFrom('lift_tenants')
      .selectAll()
      .where('slug', '=', slug.trim().toLowerCase())
      .executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async listForUser(userId: string): Promise<Tenant[]> {
    const rows = await this.#db
      .selectFrom('lift_memberships as m')
      .innerJoin('lift_tenants as t', 't.id', 'm.tenant_id')
      .selectAll('t')
      .where('m.user_id', '=', userId)
      .orderBy('m.created_at')
      .orderBy('t.id')
      .execute();
    return rows.map(toTenant);
  }

  update(
    id: string,
    changes: UpdateTenantInput,
    options: Announcing<Tenant | null> = {},
  ): Promise<Tenant | null> {
    const values: { name?: string; slug?: string; settings?: string; updated_at: number } = {
      updated_at: this.#clock.now(),
    };
    if (changes.name !== undefined) values.name = checkName(changes.name);
    if (changes.slug !== undefined) values.slug = normalizeTenantSlug(changes.slug);
    if (changes.settings !== undefined) values.settings = serializeSettings(changes.settings);
    const slug = values.slug;
    return changeAnnounced(this.#db, this.#eventRows, options.announce, async (db) => {
      let query = db.updateTable('lift_tenants').set(values).where('id', '=', id);
      if (slug !== undefined) {
        // Refuses a taken slug in the same statement; the unique key still guards against a racing writer.
        query = query.where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('lift_tenants as other')
                .select('other.id')
                .where('other.slug', '=', slug)
                .where('other.id', '<>', id),
            ),
          ),
        );
      }
      const row = await query.returningAll().executeTakeFirst();
      if (row) return toTenant(row);
      if (slug !== undefined && (await tenantExists(db, id))) throw new TenantSlugTakenError();
      return null;
    });
  }

  delete(id: string, options: Announcing<boolean> = {}): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('lift_tenants').where('id', '=', id).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted) await deleteTenantRows(trx, id);
      if (this.#eventRows && options.announce) await this.#eventRows.write(trx, options.announce(deleted));
      return deleted;
    });
  }
}

async function tenantExists(db: Kysely<LiftTables>, id: string): Promise<boolean> {
  const row = await db.selectFrom('lift_tenants').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/** Everything a tenant owns; grants of the tenant's roles are tenant grants, so they go too. */
async function deleteTenantRows(trx: Kysely<LiftTables>, tenantId: string): Promise<void> {
  await trx.deleteFrom('lift_memberships').where('tenant_id', '=', tenantId).execute();
  await trx.deleteFrom('lift_grants').where('tenant_id', '=', tenantId).execute();
  await trx.deleteFrom('lift_invitations').where('tenant_id', '=', tenantId).execute();
  await trx.deleteFrom('lift_roles').where('tenant_id', '=', tenantId).execute();
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200) {
    throw new ValidationError([
      { location: 'body', path: 'name', message: 'A name is 1 to 200 characters.', code: 'invalid_value' },
    ]);
  }
  return trimmed;
}

function serializeSettings(settings: TenantSettings): string {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new ValidationError([
      { location: 'body', path: 'settings', message: 'Settings are a JSON object.', code: 'invalid_type' },
    ]);
  }
  return JSON.stringify(settings);
}

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    settings: parseJsonObject(row.settings),
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}
