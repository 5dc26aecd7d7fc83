/**
 * The embedded PostgreSQL server (docs/decisions.md, "Memory, start-up and the production build"):
 * with no `DATABASE_URL`, a new data folder gets a real PostgreSQL cluster in
 * `<data dir>/postgres`, started beside the server process and gone with it — after a clean stop,
 * after `kill -9` (its watchdog), and even when the watchdog died too (the next start stops the
 * orphan); each time its socket folder in the OS temp dir goes too. Acknowledged posts survive
 * each. A folder that holds PGlite keeps PGlite. The servers
 * are real processes started as `npm start` starts them (test/helpers/chorus-process.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChorusChild, type ChorusChild } from '../helpers/chorus-process.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const MOVE_SCRIPT = path.join(import.meta.dirname, '../../server/move-to-postgres.ts');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The pids of processes whose command line mentions `text` (the cluster's folder). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

/** The direct children of `pid` whose command line mentions `text`. */
function childrenOf(pid: number, text: string): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(/\s+/)
    .filter(Boolean)
    .filter((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(text))
    .map(Number);
}

async function dataFolder(): Promise<{ dataDir: string; clusterDir: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-embedded-pg-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return { dataDir, clusterDir: path.join(dataDir, 'postgres') };
}

async function start(dataDir: string, env: Record<string, string> = {}): Promise<ChorusChild> {
  const child = await startChorusChild({
    PORT: '0',
    CHORUS_DATA_DIR: dataDir,
    CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
    CHORUS_LOG_LEVEL: 'info',
    ...env,
  });
  cleanups.push(() => child.stop());
  return child;
}

/** The `database` the server's `server.started` log line names. */
function engineOf(child: ChorusChild): string | undefined {
  return /"event":"server\.started".*?"database":"([^"]+)"/.exec(child.output())?.[1];
}

async function postAndAwaitReply(child: ChorusChild, room: string, content: string) {
  const visitor = await RoomVisitor.join(child.url, room, 'Ada');
  try {
    await visitor.post(content);
    return await waitFor(
      async () =>
        (await visitor.fetchMessages()).find(
          (message) => message.author.kind === 'agent' && message.status === 'complete',
        ),
      { timeoutMs: 30_000, intervalMs: 200, what: 'an agent reply' },
    );
  } finally {
    await visitor.disconnect();
  }
}

async function contentsOf(child: ChorusChild, room: string): Promise<string[]> {
  const visitor = await RoomVisitor.join(child.url, room, 'Grace');
  try {
    return (await visitor.fetchMessages()).map((message) => message.content);
  } finally {
    await visitor.disconnect();
  }
}

/** The socket folder of the cluster running in `clusterDir` (line 5 of its `postmaster.pid`). */
function socketFolderOf(clusterDir: string): string {
  const folder = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[4]!;
  expect(path.dirname(folder)).toBe(os.tmpdir());
  expect(existsSync(folder)).toBe(true);
  return folder;
}

/** Runs `npm run db:move-to-postgres`'s script on `dataDir`, as the README says to. */
function moveToPostgres(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MOVE_SCRIPT], {
      env: { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** A room's contents, read by a server started for it and stopped again. */
async function contentsOfStopped(dataDir: string, room: string): Promise<string[]> {
  const server = await start(dataDir, { CHORUS_EMBEDDED_DATABASE: 'pglite' });
  try {
    return await contentsOf(server, room);
  } finally {
    await server.stop();
  }
}

const gone = (clusterDir: string) =>
  waitFor(() => processesMentioning(clusterDir).length === 0, {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: `no process running the cluster in ${clusterDir}`,
  });

describe('the embedded PostgreSQL server (no DATABASE_URL)', () => {
  it('a new data folder gets a cluster beside the server, which answers a round and stops with it', async () => {
    const { dataDir, clusterDir } = await dataFolder();
    const server = await start(dataDir);
    expect(engineOf(server)).toBe('postgres-embedded');
    expect(existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false); // no PGlite beside it
    const postgres = processesMentioning(clusterDir);
    expect(postgres.length).toBeGreaterThan(0);
    // It listens on no TCP port: only its Unix socket, in a private folder.
    expect(readFileSync(`/proc/${postgres[0]}/cmdline`, 'utf8')).toContain('listen_addresses=\0');
    const reply = await postAndAwaitReply(server, 'embedded-round', 'Hello, anybody there?');
    expect(reply.content.length).toBeGreaterThan(0);
    const socketFolder = socketFolderOf(clusterDir);

    await server.stop();
    await gone(clusterDir);
    expect(existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(false); // shut down cleanly
    expect(existsSync(socketFolder)).toBe(false);
  }, 90_000);

  it('kill -9: the cluster goes with the process, and the next start has every acknowledged post', async () => {
    const { dataDir, clusterDir } = await dataFolder();
    const first = await start(dataDir);
    await postAndAwaitReply(first, 'embedded-crash', 'Remember this after a crash');
    const socketFolder = socketFolderOf(clusterDir);
    await first.kill9();
    await gone(clusterDir); // the watchdog stopped it
    await waitFor(() => !existsSync(socketFolder), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: `the watchdog removing ${socketFolder}`,
    });

    const second = await start(dataDir);
    expect(engineOf(second)).toBe('postgres-embedded');
    expect(await contentsOf(second, 'embedded-crash')).toContain('Remember this after a crash');
  }, 90_000);

  it('a cluster left running (the server and its watchdog both killed) is stopped by the next start', async () => {
    const { dataDir, clusterDir } = await dataFolder();
    const first = await start(dataDir);
    await postAndAwaitReply(first, 'embedded-orphan', 'Still here?');
    const socketFolder = socketFolderOf(clusterDir);
    const watchdogs = childrenOf(first.process.pid!, 'read _ignored');
    expect(watchdogs).toHaveLength(1);
    process.kill(watchdogs[0]!, 'SIGKILL');
    await first.kill9();
    const orphan = processesMentioning(clusterDir);
    expect(orphan.length).toBeGreaterThan(0); // nothing stopped it this time

    const second = await start(dataDir);
    expect(processesMentioning(clusterDir).some((pid) => orphan.includes(pid))).toBe(false);
    expect(second.output()).toContain('store.postgres_orphan_stopped');
    expect(existsSync(socketFolder)).toBe(false);
    expect(socketFolderOf(clusterDir)).not.toBe(socketFolder); // the second start's own
    expect(await contentsOf(second, 'embedded-orphan')).toContain('Still here?');
  }, 90_000);

  it('a data folder that holds PGlite (an earlier install) keeps PGlite and its transcripts', async () => {
    const { dataDir, clusterDir } = await dataFolder();
    const first = await start(dataDir, { CHORUS_EMBEDDED_DATABASE: 'pglite' });
    expect(engineOf(first)).toBe('pglite');
    await postAndAwaitReply(first, 'embedded-upgrade', 'Written on PGlite');
    await first.stop();

    const second = await start(dataDir); // auto
    expect(engineOf(second)).toBe('pglite');
    expect(existsSync(clusterDir)).toBe(false);
    expect(await contentsOf(second, 'embedded-upgrade')).toContain('Written on PGlite');
  }, 120_000);

  it('npm run db:move-to-postgres moves a PGlite folder into the cluster: every transcript kept, the next start on PostgreSQL', async () => {
    const { dataDir, clusterDir } = await dataFolder();
    const first = await start(dataDir, { CHORUS_EMBEDDED_DATABASE: 'pglite' });
    const reply = await postAndAwaitReply(first, 'embedded-move', 'Written on PGlite');
    await first.stop();
    const before = await contentsOfStopped(dataDir, 'embedded-move');

    const moved = await moveToPostgres(dataDir);
    expect(moved.code, moved.output).toBe(0);
    expect(moved.output).toMatch(/Moved \d+ rows \(2 messages, 1 room\)/);
    expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false);
    expect(readdirSync(dataDir).some((name) => name.startsWith('pgdata.moved-'))).toBe(true);

    const second = await start(dataDir); // auto
    expect(engineOf(second)).toBe('postgres-embedded');
    expect(existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    expect(before).toContain('Written on PGlite');
    expect(before).toContain(reply.content);
    expect(await contentsOf(second, 'embedded-move')).toEqual(before);
    // Identities go on where PGlite's stood: a new post comes after the moved ones.
    await postAndAwaitReply(second, 'embedded-move', 'Written on PostgreSQL');
    const after = await contentsOf(second, 'embedded-move');
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after[before.length]).toBe('Written on PostgreSQL');
  }, 180_000);

  it('db:move-to-postgres leaves an install on PGlite when the cluster already holds data', async () => {
    const { dataDir } = await dataFolder();
    const onPostgres = await start(dataDir);
    await postAndAwaitReply(onPostgres, 'embedded-both', 'On the cluster');
    await onPostgres.stop();
    const onPGlite = await start(dataDir, { CHORUS_EMBEDDED_DATABASE: 'pglite' });
    await postAndAwaitReply(onPGlite, 'embedded-both', 'On PGlite');
    await onPGlite.stop();

    const moved = await moveToPostgres(dataDir);
    expect(moved.code).toBe(1);
    expect(moved.output).toMatch(/already holds rows in \w+/);
    expect(existsSync(path.join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);
    const again = await start(dataDir, { CHORUS_EMBEDDED_DATABASE: 'pglite' });
    expect(await contentsOf(again, 'embedded-both')).toContain('On PGlite');
  }, 180_000);

  it('refuses to start, saying why, when CHORUS_EMBEDDED_DATABASE=postgres and no binaries are found', async () => {
    const { dataDir } = await dataFolder();
    await expect(
      startChorusChild({
        PORT: '0',
        CHORUS_DATA_DIR: dataDir,
        CHORUS_EMBEDDED_DATABASE: 'postgres',
        CHORUS_POSTGRES_BIN: path.join(dataDir, 'no-such-bin'),
      }),
    ).rejects.toThrow(/CHORUS_POSTGRES_BIN \(.*no-such-bin\) holds no postgres server binary/);
  }, 60_000);
});
