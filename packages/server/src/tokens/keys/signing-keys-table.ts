import type { ColumnType } from 'kysely';
import type { JwsAlgorithm } from '../jws/jws-types.ts';
import type { SigningKeyStatus } from './signing-key-store.ts';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers (ms). */
type Millis = ColumnType<number | string, number, number>;
type NullableMillis = ColumnType<number | string | null, number | null, number | null>;

/** `lift_signing_keys`, created by `lift/0006_create_tokens`. */
export interface LiftSigningKeysTable {
  kid: string;
  /** Not constrained by the database; the store refuses to read a value outside `JWS_ALGORITHMS`. */
  alg: ColumnType<string, JwsAlgorithm, JwsAlgorithm>;
  /** The public half as a JWK (JSON text); null for HS* secrets, which are never published. */
  public_jwk: string | null;
  /** The private key (PKCS#8 DER) or HS* secret, sealed with the kid as associated data. */
  private_sealed: string;
  /** Checked by the database on both dialects. */
  status: ColumnType<SigningKeyStatus, SigningKeyStatus, SigningKeyStatus>;
  created_at: Millis;
  activated_at: NullableMillis;
  retired_at: NullableMillis;
  verify_until: NullableMillis;
}

declare module '../../storage/ports.ts' {
  interface LiftTables {
    lift_signing_keys: LiftSigningKeysTable;
  }
}
