import type { ColumnType } from 'kysely';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers (ms). */
type Millis = ColumnType<number | string, number, number>;

/** `lift_sessions`, created by `lift/0003_create_sessions`. */
export interface LiftSessionsTable {
  id: string;
  /** Unique; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  created_at: Millis;
  last_seen_at: Millis;
  idle_expires_at: Millis;
  absolute_expires_at: Millis;
  auth_time: Millis;
  /** JSON text array of RFC 8176 method references (`["pwd","otp"]`). */
  amr: string;
  ip: string | null;
  user_agent: string | null;
  ua_family: string;
  ip_prefix: string;
  /** The active tenant, added by `lift/0008_sessions_active_tenant` (the sessions module's own step). */
  tenant_id: string | null;
}

declare module '../storage/ports.ts' {
  interface LiftTables {
    lift_sessions: LiftSessionsTable;
  }
}
