/**
 * Footprint benchmark: `npm run bench:footprint` (`-- --clients=N`, `--variants=LIST`).
 *
 * For each way of running the server, a real process on a fresh data folder with the embedded
 * hub: time from spawn to `GET /healthz` answering 200 on a first start, idle memory after it,
 * the same on a warm start (same folder, second run), then memory with N connected visitors
 * (sessions from `POST /api/session`, joined to 5 rooms through realtime-js). Memory is the
 * server process's RSS plus the PSS of its descendants (the embedded PostgreSQL server's
 * processes share their buffers and libraries: their RSS would count them once per process),
 * read from /proc; for `external`, the PSS of the cluster started beside it.
 *
 * Variants: `compiled` is the production start (`node dist/server/server/main.js`, after
 * `npm run build`) with the default embedded database, the PostgreSQL server it starts itself;
 * `pglite` the same with `CHORUS_EMBEDDED_DATABASE=pglite`; `source` is `npm run start:dev`
 * (the tsx loader) with the default database; `external` the compiled server on `DATABASE_URL`,
 * a cluster started beforehand by the tests' helper (its initdb and start counted in the first
 * start), as a deployment with its own database runs.
 *
 * Results: a table on stdout, `bench/results/footprint.json`, and docs/benchmarks.md (by hand).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startPostgresServer, type PostgresServer } from '../test/helpers/postgres-server.ts';
import { RoomVisitor } from '../test/helpers/room-visitor.ts';
import { buildServer, serverBuildIsFresh, serverEntry } from '../server/build.ts';
import { readFlags } from './lib/flags.ts';
import { machineInfo, writeJson } from './lib/results.ts';
import { formatTable } from './lib/table.ts';

const HELP = `npm run bench:footprint -- [options]
  --clients=N        connected visitors for the loaded measurement (default 200)
  --variants=LIST    compiled,pglite,source,external (default all four)
  --out=FILE         results file, relative to the repository (default bench/results/footprint.json)`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const flags = readFlags(HELP);
const clients = Number(flags.get('clients') ?? 200);
const variants = (flags.get('variants') ?? 'compiled,pglite,source,external').split(',');
/** Shared rooms (a support room's channel is per conversation): two demo rooms and three new ones. */
const ROOMS = ['lobby', 'shared', 'themes', 'footprint-a', 'footprint-b'];

const COMPILED = [process.execPath, serverEntry()];
const VARIANTS: Record<string, { command: string[]; env?: Record<string, string> }> = {
  compiled: { command: COMPILED },
  pglite: { command: COMPILED, env: { CHORUS_EMBEDDED_DATABASE: 'pglite' } },
  source: { command: [process.execPath, '--import', 'tsx', path.join(ROOT, 'server', 'main.ts')] },
  external: { command: COMPILED },
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The direct children of `pid`. */
function childrenOf(pid: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return []; // ended meanwhile
  }
}

/** Proportional set size in KB of `pid` and its descendants. */
function treePssKb(pid: string): number {
  let own = 0;
  try {
    own = Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    // ended meanwhile
  }
  return own + childrenOf(pid).reduce((sum, child) => sum + treePssKb(child), 0);
}

/** MB of `pid`: its RSS, plus the PSS of its descendants. */
function serverMemoryMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const childrenKb = childrenOf(String(pid)).reduce((sum, child) => sum + treePssKb(child), 0);
  return (rssKb + childrenKb) / 1024;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  child: ChildProcess;
  url: string;
  healthyMs: number;
}

/** PSS in MB of the processes whose command line mentions `marker` (a cluster's postmaster) and their descendants. */
function pssOfProcessesMentioning(marker: string): number {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) kb += treePssKb(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024;
}

async function start(
  command: string[],
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CHORUS_DATA_DIR: dataDir,
      CHORUS_TRUST_PROXY: 'loopback',
      CHORUS_LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return { child, url, healthyMs: Math.round(performance.now() - started) };
    await sleep(25);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function measure(variant: string) {
  const chosen = VARIANTS[variant];
  if (!chosen) throw new Error(`unknown variant ${variant}`);
  const { command } = chosen;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-footprint-'));
  let running: ChildProcess | undefined;
  let postgres: PostgresServer | undefined;
  try {
    // `external`: a cluster started beforehand; its initdb and start count in the first start,
    // its processes' PSS in the memory.
    const databaseStarted = performance.now();
    postgres = variant === 'external' ? await startPostgresServer() : undefined;
    const databaseMs = Math.round(performance.now() - databaseStarted);
    const env: Record<string, string> = {
      ...chosen.env,
      ...(postgres ? { DATABASE_URL: await postgres.createDatabase('chorus_footprint') } : {}),
    };
    const cluster = postgres ? new URL(postgres.url).port : '';
    const rssOf = (child: ChildProcess) =>
      Math.round(
        serverMemoryMb(child.pid!) + (postgres ? pssOfProcessesMentioning(`-p\0${cluster}`) : 0),
      );
    const first = await start(command, dataDir, env);
    first.healthyMs += postgres ? databaseMs : 0;
    running = first.child;
    await sleep(3000);
    const firstRss = rssOf(first.child);
    progress(`${variant}: first start ${first.healthyMs} ms, ${firstRss} MB`);
    await stop(first.child);
    const warm = await start(command, dataDir, env);
    running = warm.child;
    await sleep(3000);
    const warmRss = rssOf(warm.child);
    progress(`${variant}: warm start ${warm.healthyMs} ms, ${warmRss} MB`);
    const visitors: RoomVisitor[] = [];
    for (let index = 0; index < clients; index += 1) {
      const room = ROOMS[index % ROOMS.length]!;
      const forwardedFor = `198.51.${Math.floor(index / 250)}.${(index % 250) + 1}`;
      visitors.push(await joinAs(warm.url, room, `visitor ${index}`, forwardedFor));
      if ((index + 1) % 50 === 0) progress(`${variant}: ${index + 1} visitors joined`);
    }
    await sleep(3000);
    const loadedRss = rssOf(warm.child);
    await Promise.all(visitors.map((visitor) => visitor.disconnect()));
    await stop(warm.child);
    return {
      variant,
      command: [
        ...Object.entries(chosen.env ?? {}).map(([name, value]) => `${name}=${value}`),
        'node',
        ...command.slice(1).map((part) => path.relative(ROOT, part)),
      ].join(' '),
      firstStartMs: first.healthyMs,
      firstIdleRssMb: firstRss,
      warmStartMs: warm.healthyMs,
      warmIdleRssMb: warmRss,
      clients,
      loadedRssMb: loadedRss,
    };
  } finally {
    if (running?.exitCode === null) running.kill('SIGKILL');
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A visitor with its own client address, so the per-address session limit counts each apart. */
async function joinAs(url: string, room: string, name: string, address: string) {
  const originalFetch = globalThis.fetch;
  globalThis.fetch = (input, init = {}) =>
    originalFetch(input, { ...init, headers: { ...init.headers, 'x-forwarded-for': address } });
  try {
    return await RoomVisitor.join(url, room, name);
  } finally {
    globalThis.fetch = originalFetch;
  }
}

async function main(): Promise<void> {
  const machine = machineInfo();
  if (!(await serverBuildIsFresh())) await buildServer();
  const results = [];
  for (const variant of variants) results.push(await measure(variant));
  process.stdout.write(
    formatTable(
      [
        'variant',
        'first start ms',
        'first idle MB',
        'warm start ms',
        'warm idle MB',
        `${clients} clients MB`,
      ],
      results.map((row) => [
        row.variant,
        row.firstStartMs,
        row.firstIdleRssMb,
        row.warmStartMs,
        row.warmIdleRssMb,
        row.loadedRssMb,
      ]),
    ) + '\n',
  );
  await writeJson(path.join(ROOT, flags.get('out') ?? 'bench/results/footprint.json'), {
    machine,
    clients,
    results,
  });
}

await main();
