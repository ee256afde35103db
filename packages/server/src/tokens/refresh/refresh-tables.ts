import type { ColumnType } from 'kysely';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers (ms). */
type Millis = ColumnType<number | string, number, number>;
type NullableMillis = ColumnType<number | string | null, number | null, number | null>;

/** `lift_refresh_families`, created by `lift/0006_create_tokens`: one row per login. */
export interface LiftRefreshFamiliesTable {
  id: string;
  user_id: string;
  created_at: Millis;
  /** The last successful rotation (or the issue); idle expiry counts from here. */
  last_used_at: Millis;
  /** `last_used_at` + idle timeout, capped by `absolute_expires_at`. */
  idle_expires_at: Millis;
  absolute_expires_at: Millis;
  auth_time: Millis;
  /** JSON array of RFC 8176 method references. */
  amr: string;
  scope: string | null;
  tenant_id: string | null;
  dpop_jkt: string | null;
  revoked_at: NullableMillis;
  revoked_reason: string | null;
}

/** `lift_refresh_tokens`, created by `lift/0006_create_tokens`: every token a family has had. */
export interface LiftRefreshTokensTable {
  /** base64url SHA-256 of the token; the token itself is never stored. */
  token_hash: string;
  family_id: string;
  generation: number;
  created_at: Millis;
  /** Set once, by the conditional UPDATE that exchanges the token; null while it is the family's newest. */
  rotated_at: NullableMillis;
  /** The successor token sealed with the family id as associated data, kept only for the grace window. */
  successor_sealed: string | null;
}

declare module '../../storage/ports.ts' {
  interface LiftTables {
    lift_refresh_families: LiftRefreshFamiliesTable;
    lift_refresh_tokens: LiftRefreshTokensTable;
  }
}
