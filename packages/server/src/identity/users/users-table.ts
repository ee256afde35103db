import type { ColumnType } from 'kysely';
import type { UserStatus } from './user-store.ts';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers (ms). */
type Millis = ColumnType<number | string, number, number>;

/** `lift_users`, created by `lift/0002_create_users`. */
export interface LiftUsersTable {
  id: string;
  email: string;
  email_normalized: string;
  name: string | null;
  /** Checked by the database on both dialects. */
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  email_verified_at: ColumnType<number | string | null, number | null, number | null>;
  password_hash: string | null;
  /** 0 or 1 (`lift/0004`); an integer so both dialects read it the same way. */
  password_reset_required: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  updated_at: Millis;
}

declare module '../../storage/ports.ts' {
  interface LiftTables {
    lift_users: LiftUsersTable;
  }
}
