import type { SealedColumn } from '../core/sealed-column.ts';
import { REFRESH_SUCCESSOR_KEY_PURPOSE } from './refresh/index.ts';

export const SIGNING_KEY_PURPOSE = 'tokens.signing-keys';

/** Where this module keeps sealed values, for the start check and `lift secret reseal`. */
export const TOKENS_SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    label: 'signing keys',
    table: 'lift_signing_keys',
    key: 'kid',
    column: 'private_sealed',
    associatedData: 'kid',
    purpose: SIGNING_KEY_PURPOSE,
  },
  {
    label: 'refresh-token successors',
    table: 'lift_refresh_tokens',
    key: 'token_hash',
    column: 'successor_sealed',
    associatedData: 'family_id',
    purpose: REFRESH_SUCCESSOR_KEY_PURPOSE,
    transient: true,
  },
];
