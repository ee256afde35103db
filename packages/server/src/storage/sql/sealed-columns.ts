import { openSecretWith, SecretUnreadableError, sealSecret } from '../../core/crypto/secret-box.ts';
import type { ResealResult, SealedColumn } from '../../core/sealed-column.ts';
import type { SqlDatabase } from '../ports.ts';
import { sql } from './kysely-runtime.ts';

/**
 * The SQL side of sealed columns (`core/sealed-column.ts`): the start-up sample that tells whether the
 * configured root secrets open a column, and the compare-and-set re-seal behind `lift secret reseal`.
 */

const PAGE_SIZE = 500;

/** Column aliases avoid words some dialects reserve (`key`). */
interface SealedRow {
  row_key: string;
  sealed: string;
  aad: string;
}

/**
 * Re-seals every value of `column` with `keys[0]`. Safe while servers run: each row is written only if it
 * still holds the value read (compare-and-set), so a value a server has just replaced is left alone, and a
 * second run finds everything current.
 */
export async function resealColumn(
  database: SqlDatabase,
  column: SealedColumn,
  keys: readonly Buffer[],
): Promise<ResealResult> {
  const result: ResealResult = { label: column.label, resealed: 0, current: 0, changed: 0, unreadable: [] };
  let after: string | undefined;
  for (;;) {
    const rows = await readPage(database, column, after);
    for (const row of rows) {
      const keyIndex = openingKeyIndex(keys, row);
      if (keyIndex === undefined) result.unreadable.push(row.row_key);
      else if (keyIndex === 0) result.current += 1;
      else if (await replace(database, column, row, reseal(keys, row))) result.resealed += 1;
      else result.changed += 1;
    }
    if (rows.length < PAGE_SIZE) return result;
    after = rows[rows.length - 1]!.row_key;
  }
}

/**
 * Whether the configured secrets open the column's values, judged on a sample (the first and last rows by
 * key, which are random ids): a wrong root secret opens none of them, and this costs two small queries at start.
 */
export async function sealedColumnOpens(
  database: SqlDatabase,
  column: SealedColumn,
  keys: readonly Buffer[],
): Promise<boolean> {
  const sample = [...(await readEnd(database, column, 'asc')), ...(await readEnd(database, column, 'desc'))];
  return sample.every((row) => openingKeyIndex(keys, row) !== undefined);
}

function openingKeyIndex(keys: readonly Buffer[], row: SealedRow): number | undefined {
  try {
    return openSecretWith(keys, row.sealed, { associatedData: row.aad }).keyIndex;
  } catch (error) {
    if (error instanceof SecretUnreadableError) return undefined;
    throw error;
  }
}

function reseal(keys: readonly Buffer[], row: SealedRow): string {
  const { plaintext } = openSecretWith(keys, row.sealed, { associatedData: row.aad });
  try {
    return sealSecret(keys[0]!, plaintext, { associatedData: row.aad });
  } finally {
    plaintext.fill(0);
  }
}

function selectSealed(column: SealedColumn) {
  return sql`select ${sql.ref(column.key)} as row_key, ${sql.ref(column.column)} as sealed,
    ${sql.ref(column.associatedData)} as aad from ${sql.table(column.table)}
    where ${sql.ref(column.column)} is not null`;
}

async function readPage(
  database: SqlDatabase,
  column: SealedColumn,
  after: string | undefined,
): Promise<SealedRow[]> {
  const from = after === undefined ? sql`` : sql`and ${sql.ref(column.key)} > ${after}`;
  const { rows } = await sql<SealedRow>`${selectSealed(column)} ${from}
    order by ${sql.ref(column.key)} limit ${PAGE_SIZE}`.execute(database.db);
  return rows;
}

async function readEnd(
  database: SqlDatabase,
  column: SealedColumn,
  direction: 'asc' | 'desc',
): Promise<SealedRow[]> {
  const { rows } = await sql<SealedRow>`${selectSealed(column)}
    order by ${sql.ref(column.key)} ${sql.raw(direction)} limit 1`.execute(database.db);
  return rows;
}

async function replace(
  database: SqlDatabase,
  column: SealedColumn,
  row: SealedRow,
  sealed: string,
): Promise<boolean> {
  const result = await sql`update ${sql.table(column.table)} set ${sql.ref(column.column)} = ${sealed}
    where ${sql.ref(column.key)} = ${row.row_key} and ${sql.ref(column.column)} = ${row.sealed}`.execute(
    database.db,
  );
  return (result.numAffectedRows ?? 0n) > 0n;
}
