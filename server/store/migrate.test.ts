import { cp, mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestPostgres } from '../../test/helpers/databases.ts';
import { MIGRATIONS_DIR, MigrationError, migrate } from './migrate.ts';
import { PgSql } from './pg-sql.ts';
import { PGliteSql } from './pglite-sql.ts';
import type { Sql } from './sql.ts';

const opened: Sql[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.close()));
  await Promise.all(
    folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })),
  );
});

async function copyOfMigrations(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'chorus-migrations-'));
  folders.push(folder);
  await cp(MIGRATIONS_DIR, folder, { recursive: true });
  return folder;
}

/** Each engine opens a fresh database, or two clients of one (PGlite has one client: it twice). */
const engines: Array<[string, () => Promise<Sql>, () => Promise<[Sql, Sql]>]> = [
  [
    'PGlite',
    () => PGliteSql.open(),
    async () => {
      const sql = await PGliteSql.open();
      return [sql, sql];
    },
  ],
  [
    'PostgreSQL',
    async () => (await openTestPostgres({ migrated: false })).sql,
    async () => {
      const { sql, url } = await openTestPostgres({ migrated: false });
      return [sql, PgSql.connect(url)];
    },
  ],
];

describe.each(engines)('migrations on %s', (_name, open, openTwice) => {
  it('apply on a fresh database, then re-apply as a no-op', async () => {
    const sql = await open();
    opened.push(sql);
    const files = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql')).sort();
    expect(await migrate(sql)).toEqual({ applied: files, alreadyApplied: [] });
    expect(await migrate(sql)).toEqual({ applied: [], alreadyApplied: files });
    const tables = await sql.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual([
      'agent_runs',
      'chorus_migrations',
      'knowledge_chunks',
      'knowledge_documents',
      'knowledge_terms',
      'messages',
      'participants',
      'rate_limit_windows',
      'room_events',
      'room_sessions',
      'rooms',
      'token_usage',
      'webhook_outbox',
    ]);
    const triggers = await sql.query<{ trigger_name: string; event_object_table: string }>(
      `select distinct trigger_name, event_object_table from information_schema.triggers
        where trigger_schema = 'public' order by trigger_name`,
    );
    expect(triggers.rows).toEqual([
      { trigger_name: 'chorus_messages_changes', event_object_table: 'messages' },
      { trigger_name: 'chorus_rooms_changes', event_object_table: 'rooms' },
    ]);
  });

  it('applies each migration once when two migrators run at once', async () => {
    const [first, second] = await openTwice();
    opened.push(...new Set([first, second]));
    const files = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql')).sort();
    const reports = await Promise.all([migrate(first), migrate(second)]);
    expect([...reports[0].applied, ...reports[1].applied].sort()).toEqual(files);
    expect([...reports[0].alreadyApplied, ...reports[1].alreadyApplied].sort()).toEqual(files);
    const recorded = await first.query<{ name: string }>(
      'select name from chorus_migrations order by name',
    );
    expect(recorded.rows.map((row) => row.name)).toEqual(files);
  });

  it('stops with an error naming an applied file that was changed, and applies nothing after it', async () => {
    const sql = await open();
    opened.push(sql);
    const folder = await copyOfMigrations();
    await migrate(sql, folder);
    await appendFile(
      path.join(folder, '20261122000100_create_participants.sql'),
      '\n-- edited after the fact\n',
    );
    await writeFile(
      path.join(folder, '20991231000000_create_later.sql'),
      'create table later (id int);',
    );
    const failure = migrate(sql, folder);
    await expect(failure).rejects.toBeInstanceOf(MigrationError);
    await expect(failure).rejects.toThrow(
      /Migration 20261122000100_create_participants\.sql was changed after it was applied/,
    );
    const later = await sql.query(
      `select 1 from information_schema.tables where table_name = 'later'`,
    );
    expect(later.rowCount).toBe(0);
  });

  it('rolls back a failing migration and names it', async () => {
    const sql = await open();
    opened.push(sql);
    const folder = await copyOfMigrations();
    await writeFile(
      path.join(folder, '20991231000000_break_things.sql'),
      'create table half_done (id int);\nselect no_such_function();',
    );
    await expect(migrate(sql, folder)).rejects.toThrow(
      /Migration 20991231000000_break_things\.sql failed/,
    );
    expect(
      (await sql.query(`select 1 from information_schema.tables where table_name = 'half_done'`))
        .rowCount,
    ).toBe(0);
    expect(
      (
        await sql.query(
          `select 1 from chorus_migrations where name = '20991231000000_break_things.sql'`,
        )
      ).rowCount,
    ).toBe(0);
  });
});
