/**
 * A table column holding `sealSecret` output, declared by the module that owns the table. Knowing where every
 * sealed value lives is what lets the root secret change: the start checks that the configured secrets open
 * them, and `lift secret reseal` re-seals each one with the current secret.
 */
export interface SealedColumn {
  /** What the values are, for people: `MFA secrets`. */
  label: string;
  table: string;
  /** The primary-key column. */
  key: string;
  /** The column with the sealed value (null = nothing sealed in that row). */
  column: string;
  /** The column whose value was the associated data when the box was sealed. */
  associatedData: string;
  /** The `deriveKey` purpose of the sealing key. */
  purpose: string;
  /**
   * The values live for seconds and most rows hold none (refresh-token successors during the reuse grace
   * window): the start does not sample them, since finding one could mean scanning a large table.
   */
  transient?: boolean;
}

export interface ResealResult {
  label: string;
  /** Sealed with a previous secret, now sealed with the current one. */
  resealed: number;
  /** Already sealed with the current secret. */
  current: number;
  /** Replaced by the app between the read and the write; the new value was sealed by a running server. */
  changed: number;
  /** Keys of rows that no configured secret opens. */
  unreadable: string[];
}
