/**
 * On Supabase, postgres_changes come from logical replication of the `supabase_realtime`
 * publication: the change-feed migration adds `messages` and `rooms` to it when it exists (as
 * on every Supabase project, created empty), and skips it elsewhere (docs/realtime-protocol.md §10).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../server/store/migrate.ts';
import type { Sql } from '../../server/store/sql.ts';
import { openTestPostgres } from '../helpers/databases.ts';

const opened: Sql[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.close()));
});

async function fresh(): Promise<Sql> {
  const { sql } = await openTestPostgres({ migrated: false });
  opened.push(sql);
  return sql;
}

const published = async (sql: Sql) =>
  (
    await sql.query<{ tablename: string }>(
      `select tablename from pg_publication_tables
        where pubname = 'supabase_realtime' and schemaname = 'public' order by tablename`,
    )
  ).rows.map((row) => row.tablename);

describe('the supabase_realtime publication', () => {
  it('gets messages and rooms when it exists, as on a Supabase project', async () => {
    const sql = await fresh();
    await sql.exec('create publication supabase_realtime');
    await migrate(sql);
    expect(await published(sql)).toEqual(['messages', 'rooms']);
  });

  it('keeps a table someone already published, and adds the other', async () => {
    const sql = await fresh();
    await sql.exec('create table rooms (id text primary key, title text not null)');
    await sql.exec('create publication supabase_realtime for table rooms');
    await migrate(sql);
    expect(await published(sql)).toEqual(['messages', 'rooms']);
  });

  it('is skipped where there is no such publication (plain Postgres, PGlite)', async () => {
    const sql = await fresh();
    await migrate(sql);
    const publications = await sql.query(`select 1 from pg_publication`);
    expect(publications.rowCount).toBe(0);
  });
});
