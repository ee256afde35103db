import { type Kysely, sql } from 'kysely';
import type { LiftTables, SqlDatabase } from '../../src/storage/ports.ts';

/**
 * A migrated database's tables and rows, captured once, so each test can get the database back as migrations
 * left it instead of creating and migrating a new one (on PostgreSQL a new schema and Lift's migrations cost
 * about a second, putting the rows back a few milliseconds).
 */
export interface DatabaseBaseline {
  /**
   * Puts every table back to its captured rows and id counters. Tables a test's migrations added (a migration
   * set's `<set>_migrations` table among them, such as the outbox every SQL store test migrates) stay, emptied
   * but with their migrations recorded, so the next test migrating them finds them done; other added tables
   * are dropped. False when a captured table's definition changed: the database is then not reusable.
   */
  restore(): Promise<boolean>;
}

type Row = Record<string, unknown>;

interface Captured {
  schema: string;
  /** Children first: deleting in this order never breaks a foreign key. */
  tables: string[];
  seeded: { table: string; rows: Row[] }[];
  counters: Counter[];
}

/** The state `restore` goes back to: every table of `database`'s own schema and the rows in it now. */
export async function captureBaseline(database: SqlDatabase): Promise<DatabaseBaseline> {
  let captured = await capture(database, () => true);
  return {
    async restore() {
      const created = (await tableNames(database)).filter((table) => !captured.tables.includes(table));
      if (created.some(isBookkeeping)) {
        captured = await adopt(database, captured, created);
      } else if (created.length > 0) {
        for (const table of await tablesChildrenFirst(database, created)) {
          await sql`drop table ${sql.table(table)}`.execute(database.db);
        }
      }
      if ((await schemaDefinition(database)) !== captured.schema) return false;
      const { tables, seeded, counters } = captured;
      await database.db.transaction().execute(async (trx) => {
        const written = new Set([...(await nonEmpty(trx, tables)), ...seeded.map(({ table }) => table)]);
        for (const table of tables) {
          if (written.has(table)) await sql`delete from ${sql.table(table)}`.execute(trx);
        }
        for (const { table, rows } of [...seeded].reverse()) {
          await trx
            .insertInto(table as never)
            .values(rows as never)
            .execute();
        }
        await restoreCounters(database, trx, counters);
      });
      return true;
    },
  };
}

/**
 * The baseline with the tables a migration set added since: their data emptied and their counters restarted,
 * their bookkeeping rows kept.
 */
async function adopt(database: SqlDatabase, before: Captured, created: string[]): Promise<Captured> {
  for (const table of await tablesChildrenFirst(database, created)) {
    if (!isBookkeeping(table)) await sql`delete from ${sql.table(table)}`.execute(database.db);
  }
  await resetNewCounters(database, before.counters);
  const now = await capture(database, (table) => created.includes(table));
  const seeded = [...before.seeded, ...now.seeded];
  return {
    schema: now.schema,
    tables: now.tables,
    seeded: now.tables.flatMap((table) => seeded.filter((rows) => rows.table === table)),
    counters: [
      ...before.counters,
      ...now.counters.filter((counter) => !before.counters.some(({ name }) => name === counter.name)),
    ],
  };
}

/** Kysely's bookkeeping of a migration set: which of its migrations ran, and its lock row. */
function isBookkeeping(table: string): boolean {
  return table.endsWith('_migrations') || table.endsWith('_migrations_lock');
}

/** The database now, with the rows of the tables `keepRows` selects as the rows to restore. */
async function capture(database: SqlDatabase, keepRows: (table: string) => boolean): Promise<Captured> {
  const tables = await tablesChildrenFirst(database, await tableNames(database));
  const seeded: Captured['seeded'] = [];
  for (const table of tables) {
    if (!keepRows(table)) continue;
    const { rows } = await sql<Row>`select * from ${sql.table(table)}`.execute(database.db);
    if (rows.length > 0) seeded.push({ table, rows });
  }
  return {
    schema: await schemaDefinition(database),
    tables,
    seeded,
    counters: await captureCounters(database),
  };
}

/** Which of `tables` hold a row, in one query. */
async function nonEmpty(db: Kysely<LiftTables>, tables: string[]): Promise<string[]> {
  const probes = tables.map(
    (table) => sql`select ${table} as name where exists (select 1 from ${sql.table(table)})`,
  );
  const { rows } = await sql<{ name: string }>`${sql.join(probes, sql` union all `)}`.execute(db);
  return rows.map((row) => row.name);
}

/** Where id counters stand: PostgreSQL sequences, SQLite's AUTOINCREMENT counters (`sqlite_sequence`). */
interface Counter {
  name: string;
  value: string;
  called: boolean;
}

async function captureCounters(database: SqlDatabase): Promise<Counter[]> {
  if (database.dialect === 'sqlite') {
    if (!(await hasSqliteSequence(database.db))) return [];
    const { rows } = await sql<{ name: string; seq: number }>`select name, seq from sqlite_sequence`.execute(
      database.db,
    );
    return rows.map(({ name, seq }) => ({ name, value: String(seq), called: true }));
  }
  const counters: Counter[] = [];
  for (const name of await sequenceNames(database.db)) {
    const { rows } = await sql<{ last_value: string; is_called: boolean }>`select last_value, is_called
      from ${sql.table(name)}`.execute(database.db);
    const [position] = rows;
    if (position) counters.push({ name, value: position.last_value, called: position.is_called });
  }
  return counters;
}

/** Puts the counters back, so ids after a restore are the ids a new database would hand out. */
async function restoreCounters(database: SqlDatabase, db: Kysely<LiftTables>, counters: Counter[]) {
  if (database.dialect === 'sqlite') {
    if (!(await hasSqliteSequence(db))) return;
    await sql`delete from sqlite_sequence`.execute(db);
    for (const { name, value } of counters) {
      await sql`insert into sqlite_sequence (name, seq) values (${name}, ${Number(value)})`.execute(db);
    }
    return;
  }
  for (const { name, value, called } of counters) {
    await sql`select setval(${name}::regclass, ${value}, ${called})`.execute(db);
  }
}

/** Counters not in `known` (those of tables added since) go back to where a new table's start. */
async function resetNewCounters(database: SqlDatabase, known: Counter[]): Promise<void> {
  const isKnown = (name: string) => known.some((counter) => counter.name === name);
  if (database.dialect === 'sqlite') {
    for (const { name } of await captureCounters(database)) {
      if (!isKnown(name)) await sql`delete from sqlite_sequence where name = ${name}`.execute(database.db);
    }
    return;
  }
  for (const name of await sequenceNames(database.db)) {
    if (!isKnown(name)) await sql`alter sequence ${sql.table(name)} restart`.execute(database.db);
  }
}

async function sequenceNames(db: Kysely<LiftTables>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select relname as name from pg_class
    where relnamespace = current_schema()::regnamespace and relkind = 'S'`.execute(db);
  return rows.map((row) => row.name);
}

async function hasSqliteSequence(db: Kysely<LiftTables>): Promise<boolean> {
  const { rows } = await sql`select 1 from sqlite_master where name = 'sqlite_sequence'`.execute(db);
  return rows.length > 0;
}

/** The base tables of the database's own schema. */
async function tableNames(database: SqlDatabase): Promise<string[]> {
  const query =
    database.dialect === 'postgres'
      ? sql<{ name: string }>`select relname as name from pg_class
          where relnamespace = current_schema()::regnamespace and relkind in ('r', 'p')`
      : sql<{ name: string }>`select name from sqlite_master
          where type = 'table' and name not like 'sqlite_%'`;
  const { rows } = await query.execute(database.db);
  return rows.map((row) => row.name).sort();
}

/**
 * Every column, constraint and index of the database's own schema as one string, to tell whether a test changed
 * the schema. Rows are not part of it.
 */
async function schemaDefinition(database: SqlDatabase): Promise<string> {
  if (database.dialect === 'sqlite') {
    const { rows } = await sql`select type, name, tbl_name, sql from sqlite_master
      where name not like 'sqlite_%' order by type, name`.execute(database.db);
    return JSON.stringify(rows);
  }
  const { rows } = await sql<{
    definition: string | null;
  }>`select string_agg(part, E'\n' order by part) as definition
    from (
      select c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
          || case when a.attnotnull then ' not null' else '' end
          || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') as part
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where c.relnamespace = current_schema()::regnamespace and a.attnum > 0 and not a.attisdropped
      union all
      select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        from pg_constraint where connamespace = current_schema()::regnamespace
      union all
      select indexdef from pg_indexes where schemaname = current_schema()
    ) as parts`.execute(database.db);
  return rows[0]?.definition ?? '';
}

/** `tables`, each before the tables its foreign keys point at. */
async function tablesChildrenFirst(database: SqlDatabase, tables: string[]): Promise<string[]> {
  const { rows: references } =
    database.dialect === 'postgres'
      ? await sql<{ child: string; parent: string }>`select child.relname as child, parent.relname as parent
          from pg_constraint
          join pg_class child on child.oid = pg_constraint.conrelid
          join pg_class parent on parent.oid = pg_constraint.confrelid
          where pg_constraint.contype = 'f'
            and pg_constraint.connamespace = current_schema()::regnamespace`.execute(database.db)
      : await sql<{ child: string; parent: string }>`select m.name as child, f."table" as parent
          from sqlite_master m join pragma_foreign_key_list(m.name) f
          where m.type = 'table' and m.name not like 'sqlite_%'`.execute(database.db);
  const ordered: string[] = [];
  const remaining = new Set(tables);
  while (remaining.size > 0) {
    // A table goes next once no remaining table other than itself references it.
    const next = [...remaining].filter(
      (table) =>
        !references.some(
          (reference) =>
            reference.parent === table && reference.child !== table && remaining.has(reference.child),
        ),
    );
    if (next.length === 0) throw new Error(`foreign keys form a cycle among ${[...remaining].join(', ')}`);
    for (const table of next) {
      ordered.push(table);
      remaining.delete(table);
    }
  }
  return ordered;
}
