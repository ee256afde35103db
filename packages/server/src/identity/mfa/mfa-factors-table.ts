import type { ColumnType } from 'kysely';
import type { SealedColumn } from '../../core/sealed-column.ts';
import type { MfaFactorType } from './mfa-factor-store.ts';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers. */
type BigintColumn = ColumnType<number | string, number, number>;
type NullableBigintColumn = ColumnType<number | string | null, number | null, number | null>;

/** `lift_mfa_factors`, created by `lift/0004_create_identity_credentials`. */
export interface LiftMfaFactorsTable {
  user_id: string;
  type: MfaFactorType;
  /** `sealSecret` output; the clear secret is never stored. */
  secret_sealed: string;
  confirmed_at: NullableBigintColumn;
  /** The TOTP time step of the last accepted code. */
  last_used_step: NullableBigintColumn;
  /** JSON array of recovery-code hashes, a used code's slot set to null. */
  recovery_codes: ColumnType<string, string | undefined, string>;
  created_at: BigintColumn;
  updated_at: BigintColumn;
}

/** The `deriveKey` purpose for the key that seals TOTP secrets: `deriveKey(root, TOTP_KEY_PURPOSE)`. */
export const TOTP_KEY_PURPOSE = 'mfa.totp';

/** Where TOTP secrets are sealed, bound to the user id (for the start check and `lift secret reseal`). */
export const MFA_SEALED_COLUMN: SealedColumn = {
  label: 'MFA secrets',
  table: 'lift_mfa_factors',
  key: 'user_id',
  column: 'secret_sealed',
  associatedData: 'user_id',
  purpose: TOTP_KEY_PURPOSE,
};

declare module '../../storage/ports.ts' {
  interface LiftTables {
    lift_mfa_factors: LiftMfaFactorsTable;
  }
}
