/**
 * Where the embedded databases live in a data folder (`CHORUS_DATA_DIR`): the PostgreSQL
 * cluster in `postgres/`, PGlite in `pgdata/`. The server's start (which one to open) and
 * `npm run db:move-to-postgres` (from one into the other) read the same names.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function embeddedFolders(dataDir: string): { cluster: string; pglite: string } {
  return { cluster: path.join(dataDir, 'postgres'), pglite: path.join(dataDir, 'pgdata') };
}

/** Whether `folder` holds a database: PostgreSQL and PGlite both write `PG_VERSION`. */
export function holdsDatabase(folder: string): boolean {
  return existsSync(path.join(folder, 'PG_VERSION'));
}
