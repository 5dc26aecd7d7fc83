/**
 * Owner-only folders and files for what Chorus keeps on disk (transcripts in PGlite, the JWT
 * secret): nobody else on the machine may read or rewrite them (docs/decisions.md, "Persistence").
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `folder` and any missing parent as 700, and makes `folder` itself 700 if it existed.
 * @example await ensurePrivateFolder(config.dataDir);
 */
export async function ensurePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  await chmod(folder, PRIVATE_FOLDER_MODE);
}

/**
 * Makes every folder under `folder` (itself included) 700 and every file 600. A file that
 * disappears meanwhile (a recycled WAL segment) is skipped.
 * @example await restrictToOwner('./.chorus/pgdata');
 */
export async function restrictToOwner(folder: string): Promise<void> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const modes: Array<[string, number]> = [[folder, PRIVATE_FOLDER_MODE]];
  for (const entry of entries) {
    if (entry.isDirectory())
      modes.push([path.join(entry.parentPath, entry.name), PRIVATE_FOLDER_MODE]);
    else if (entry.isFile())
      modes.push([path.join(entry.parentPath, entry.name), PRIVATE_FILE_MODE]);
  }
  await Promise.all(
    modes.map(([entryPath, mode]) =>
      chmod(entryPath, mode).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      }),
    ),
  );
}
