import type { ColumnType } from 'kysely';
import type { EmailTokenPurpose } from './email-token-store.ts';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers (ms). */
type Millis = ColumnType<number | string, number, number>;

/** `lift_email_tokens`, created by `lift/0004_create_identity_credentials`. */
export interface LiftEmailTokensTable {
  /** base64url SHA-256 of the token; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  purpose: EmailTokenPurpose;
  created_at: Millis;
  expires_at: Millis;
  /** When the token was consumed or revoked; null while it is outstanding. */
  used_at: ColumnType<number | string | null, number | null, number | null>;
}

declare module '../../storage/ports.ts' {
  interface LiftTables {
    lift_email_tokens: LiftEmailTokensTable;
  }
}
