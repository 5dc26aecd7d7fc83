/**
 * `npm run db:move-to-postgres` (in production `node dist/server/server/move-to-postgres.js`):
 * moves an install's PGlite database (`<CHORUS_DATA_DIR>/pgdata`) into the embedded PostgreSQL
 * server (`<CHORUS_DATA_DIR>/postgres`), which a data folder that already holds PGlite otherwise
 * keeps using (docs/decisions.md, "Memory, start-up and the production build"). Stop the server
 * first: PGlite is one process's database.
 *
 * Both databases are migrated to the newest schema, every row is copied in one transaction
 * (server/store/copy-database.ts), and the PGlite folder is then renamed `pgdata.moved-<time>`,
 * kept as it was, so the next start opens the cluster. If anything fails, a cluster this command
 * created is removed again and the install stays on PGlite, unchanged.
 */
import { rename, rm } from 'node:fs/promises';
import { loadConfig } from './config.ts';
import { createLogger } from './lib/logger.ts';
import { copyDatabase } from './store/copy-database.ts';
import { openEmbeddedPostgres } from './store/embedded-postgres.ts';
import { migrate } from './store/migrate.ts';
import { PGliteSql } from './store/pglite-sql.ts';
import { embeddedFolders, holdsDatabase } from './store/embedded-folders.ts';
import { findPostgresBinaries, NO_POSTGRES_BINARIES } from './store/postgres-binaries.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const { cluster: clusterDir, pglite: pgliteDir } = embeddedFolders(config.dataDir);
  if (!holdsDatabase(pgliteDir))
    throw new Error(`No PGlite database in ${pgliteDir}: nothing to move`);
  const bin = await findPostgresBinaries(config.postgresBin);
  if (!bin) throw new Error(NO_POSTGRES_BINARIES);
  const createsCluster = !holdsDatabase(clusterDir);

  const source = await PGliteSql.open(pgliteDir);
  let copied: Record<string, number>;
  try {
    await migrate(source);
    const target = await openEmbeddedPostgres(clusterDir, bin, log);
    try {
      await migrate(target);
      copied = await copyDatabase(source, target);
    } finally {
      await target.close();
    }
  } catch (error) {
    if (createsCluster) await rm(clusterDir, { recursive: true, force: true });
    throw error;
  } finally {
    await source.close();
  }
  const kept = `${pgliteDir}.moved-${new Date().toISOString().replaceAll(':', '-')}`;
  await rename(pgliteDir, kept);
  const rows = Object.values(copied).reduce((sum, count) => sum + count, 0);
  process.stdout.write(
    [
      `Moved ${count(rows, 'row')} (${count(copied.messages ?? 0, 'message')}, ${count(copied.rooms ?? 0, 'room')}) into ${clusterDir}.`,
      `The PGlite folder is kept as ${kept}; remove it once the server runs as it should.`,
      '',
    ].join('\n'),
  );
}

/** `1 room`, `2 rooms`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `db:move-to-postgres: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
