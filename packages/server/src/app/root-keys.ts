import { deriveKey, type RootSecret } from '../core/config/secret.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { ResealResult, SealedColumn } from '../core/sealed-column.ts';
import type { SqlDatabase } from '../storage/index.ts';
import { resealColumn, sealedColumnOpens } from '../storage/index.ts';

/**
 * The keys an app derives from its root secret, and what changing that secret needs: the current secret
 * seals, previous ones (`secretPrevious`) only open, and every sealed value can be re-sealed with the
 * current one (docs/operations.md, "Changing the root secret").
 */
export class RootKeys {
  readonly #root: RootSecret;

  constructor(root: RootSecret) {
    this.#root = root;
  }

  /** The key for `purpose` from the current root secret. */
  derive(purpose: string, length = 32): Buffer {
    return deriveKey(this.#root.secret, purpose, length);
  }

  /** The key for `purpose` from the current root secret, then from each previous one. */
  all(purpose: string): Buffer[] {
    return [this.#root.secret, ...this.#root.previous].map((secret) => deriveKey(secret, purpose));
  }

  /** The key for `purpose` from each previous root secret; opens, never seals. */
  previous(purpose: string): Buffer[] {
    return this.#root.previous.map((secret) => deriveKey(secret, purpose));
  }

  /**
   * Stops the start with one line when the configured secrets open none of a column's sampled values; the
   * server would otherwise fail later, at a login or a token, with an error that names no cause.
   */
  async assertOpens(database: SqlDatabase, columns: readonly SealedColumn[]): Promise<void> {
    const name =
      this.#root.source === 'file' ? `The development secret in ${this.#root.file}` : 'LIFT_SECRET';
    for (const column of columns) {
      if (column.transient) continue;
      if (await sealedColumnOpens(database, column, this.all(column.purpose))) continue;
      throw new LiftConfigError(
        `${name} does not open the ${column.label} sealed in this database: it is not the root secret the ` +
          'database was made with. Restore that secret; to change it, keep the old one in ' +
          'LIFT_SECRET_PREVIOUS until lift secret reseal has run (docs/operations.md).',
      );
    }
  }

  /** Re-seals what a previous secret sealed in `columns` with the current one; one result per column. */
  async reseal(database: SqlDatabase, columns: readonly SealedColumn[]): Promise<ResealResult[]> {
    const results: ResealResult[] = [];
    for (const column of columns)
      results.push(await resealColumn(database, column, this.all(column.purpose)));
    return results;
  }
}
