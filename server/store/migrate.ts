import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../lib/app-error.ts';
import type { Sql } from './sql.ts';

/** `supabase/migrations/`: the single source of truth for the schema. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../supabase/migrations/', import.meta.url));

/** Stops start-up: an applied migration file was edited, or a migration failed. */
export class MigrationError extends AppError {
  constructor(message: string, cause?: unknown) {
    super({ name: 'MigrationError', code: 'migration_failed', message, cause });
  }
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

const LOCK_KEY = 72_616_873; // pg_advisory_xact_lock key: one migrator at a time across processes

/**
 * Applies every `*.sql` file of `directory` not applied yet, in name order, each in its own
 * transaction, recording its name and SHA-256. An applied file whose content changed stops with
 * a {@link MigrationError} naming it; nothing else is applied then.
 * @example await migrate(sql);
 */
export async function migrate(sql: Sql, directory = MIGRATIONS_DIR): Promise<MigrationReport> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  const migrations = await Promise.all(
    files.map(async (name) => {
      const text = await readFile(path.join(directory, name), 'utf8');
      return { name, text, checksum: createHash('sha256').update(text).digest('hex') };
    }),
  );
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(`create table if not exists chorus_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
  });
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  const applied = new Map(
    (
      await sql.query<{ name: string; checksum: string }>(
        'select name, checksum from chorus_migrations',
      )
    ).rows.map((row) => [row.name, row.checksum]),
  );
  for (const migration of migrations) {
    const checksum = applied.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new MigrationError(
        `Migration ${migration.name} was changed after it was applied (checksum ${checksum.slice(0, 12)}… recorded, ` +
          `${migration.checksum.slice(0, 12)}… on disk). Restore the file and add a new migration instead.`,
      );
    }
  }
  for (const migration of migrations) {
    if (applied.has(migration.name)) {
      report.alreadyApplied.push(migration.name);
      continue;
    }
    try {
      const done = await sql.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
        const existing = await tx.query('select 1 from chorus_migrations where name = $1', [
          migration.name,
        ]);
        if (existing.rows.length > 0) return false; // another process applied it meanwhile
        await tx.exec(migration.text);
        await tx.query('insert into chorus_migrations (name, checksum) values ($1, $2)', [
          migration.name,
          migration.checksum,
        ]);
        return true;
      });
      (done ? report.applied : report.alreadyApplied).push(migration.name);
    } catch (error) {
      throw new MigrationError(
        `Migration ${migration.name} failed: ${(error as Error).message}`,
        error,
      );
    }
  }
  return report;
}
