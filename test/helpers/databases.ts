import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../server/store/migrate.ts';
import { PgSql } from '../../server/store/pg-sql.ts';
import { PGliteSql } from '../../server/store/pglite-sql.ts';

let template: Promise<Blob> | undefined;

/** A migrated in-memory PGlite, loaded from the run's template (about half a second). */
export async function openTestPGlite(): Promise<PGliteSql> {
  template ??= readFile(inject('pgliteTemplatePath')).then((bytes) => new Blob([bytes]));
  return PGliteSql.open(undefined, { loadDataDir: await template });
}

/** A fresh database on the run's Postgres server; `migrated: false` leaves it empty. */
export async function openTestPostgres(
  options: { migrated?: boolean; max?: number } = {},
): Promise<{ sql: PgSql; url: string }> {
  const name = `chorus_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = inject('postgresUrl').replace(/\/postgres$/, `/${name}`);
  const sql = PgSql.connect(url, { max: options.max ?? 10 });
  if (options.migrated ?? true) await migrate(sql);
  return { sql, url };
}
