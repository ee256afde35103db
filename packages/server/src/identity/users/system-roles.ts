import type { Clock } from '../../core/clock.ts';
import type { SqlDatabase } from '../../storage/ports.ts';

/**
 * Global (system) roles of users, such as `admin`, in `lift_system_roles`. The access-control module
 * generalises this into grants and role hierarchies; until then the admin API checks `admin` here.
 */

export interface LiftSystemRolesTable {
  user_id: string;
  role: string;
  created_at: number;
}

declare module '../../storage/ports.ts' {
  interface LiftTables {
    lift_system_roles: LiftSystemRolesTable;
  }
}

export class SystemRoles {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;

  constructor(database: SqlDatabase, clock: Clock) {
    this.#database = database;
    this.#clock = clock;
  }

  async grant(userId: string, role: string): Promise<void> {
    await this.#database.db
      .insertInto('lift_system_roles')
      .values({ user_id: userId, role, created_at: this.#clock.now() })
      .onConflict((conflict) => conflict.columns(['user_id', 'role']).doNothing())
      .execute();
  }

  async revoke(userId: string, role: string): Promise<boolean> {
    const result = await this.#database.db
      .deleteFrom('lift_system_roles')
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async has(userId: string, role: string): Promise<boolean> {
    const row = await this.#database.db
      .selectFrom('lift_system_roles')
      .select('role')
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .executeTakeFirst();
    return row !== undefined;
  }

  async rolesOf(userId: string): Promise<string[]> {
    const rows = await this.#database.db
      .selectFrom('lift_system_roles')
      .select('role')
      .where('user_id', '=', userId)
      .orderBy('role')
      .execute();
    return rows.map((row) => row.role);
  }

  /** Whether anyone holds `role` (the development bootstrap asks whether an admin exists). */
  async anyone(role: string): Promise<boolean> {
    const row = await this.#database.db
      .selectFrom('lift_system_roles')
      .select('user_id')
      .where('role', '=', role)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
