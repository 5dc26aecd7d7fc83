/**
 * Copies every row of one Chorus database into another of the same schema, for moving an
 * existing PGlite folder into the embedded PostgreSQL cluster (`npm run db:move-to-postgres`,
 * server/move-to-postgres.ts). Both are migrated first, so their tables are the same; the target
 * must hold no rows of its own. The copy is one transaction on the target with triggers and
 * foreign-key checks off (`session_replication_role = replica`, so tables go in any order and
 * the change feed does not announce history), generated columns left to the target to compute,
 * identity values kept as they were, and every sequence set to where the source's stood. It
 * ends by comparing the row count of every table.
 *
 * @example
 * const counts = await copyDatabase(pglite, postgres); // { messages: 1203, rooms: 4, … }
 */
import type { Sql, SqlExecutor } from './sql.ts';

/** Rows read and written per statement. */
const BATCH_ROWS = 500;
/** Bookkeeping the target's own migrations wrote: not copied. */
const SKIPPED = new Set(['chorus_migrations']);

/** Row counts by table, as copied. */
export type CopiedRows = Record<string, number>;

export async function copyDatabase(source: Sql, target: Sql): Promise<CopiedRows> {
  const tables = (await userTables(source)).filter((table) => !SKIPPED.has(table));
  const targetTables = new Set(await userTables(target));
  const missing = tables.filter((table) => !targetTables.has(table));
  if (missing.length > 0)
    throw new Error(`The target has no table ${missing.join(', ')}: migrate it first`);
  for (const table of tables)
    if ((await countRows(target, table)) > 0)
      throw new Error(
        `The target already holds rows in ${table}: copy only into an empty database`,
      );

  const copied: CopiedRows = {};
  await target.transaction(async (tx) => {
    await tx.query(`set local session_replication_role = replica`);
    for (const table of tables) {
      const columns = await insertableColumns(source, table);
      const list = columns.map(quoteIdentifier).join(', ');
      const name = quoteIdentifier(table);
      let rows = 0;
      for (let offset = 0; ; offset += BATCH_ROWS) {
        const batch = await source.query<{ rows: string | null }>(
          `select json_agg(t)::text as rows from (select ${list} from ${name} order by ctid limit ${BATCH_ROWS} offset ${offset}) t`,
        );
        const json = batch.rows[0]?.rows;
        if (!json) break;
        const written = await tx.query(
          `insert into ${name} (${list}) overriding system value select ${list} from json_populate_recordset(null::${name}, $1::json)`,
          [json],
        );
        rows += written.rowCount;
        if (written.rowCount < BATCH_ROWS) break;
      }
      copied[table] = rows;
    }
    await copySequences(source, tx);
    for (const table of tables) {
      const there = await countRows(tx, table);
      const here = await countRows(source, table);
      if (there !== here) throw new Error(`${table}: ${here} rows in the source, ${there} copied`);
    }
  });
  return copied;
}

async function userTables(sql: SqlExecutor): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(
    `select tablename as name from pg_tables where schemaname = 'public' order by tablename`,
  );
  return rows.map((row) => row.name);
}

/** The columns an insert may name: all but generated ones (the target computes those). */
async function insertableColumns(sql: SqlExecutor, table: string): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(
    `select attname as name from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = ''
      order by attnum`,
    [`public.${quoteIdentifier(table)}`],
  );
  return rows.map((row) => row.name);
}

async function countRows(sql: SqlExecutor, table: string): Promise<number> {
  const { rows } = await sql.query<{ count: string | number }>(
    `select count(*) as count from ${quoteIdentifier(table)}`,
  );
  return Number(rows[0]!.count);
}

/** Every sequence (identity columns' included) where the source's stood. */
async function copySequences(source: SqlExecutor, target: SqlExecutor): Promise<void> {
  const { rows } = await source.query<{ name: string; last: string | null }>(
    `select sequencename as name, last_value::text as last from pg_sequences where schemaname = 'public'`,
  );
  for (const { name, last } of rows)
    if (last !== null)
      await target.query(`select setval($1::regclass, $2::bigint)`, [
        `public.${quoteIdentifier(name)}`,
        last,
      ]);
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
