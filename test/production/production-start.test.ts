/**
 * The production start from the README (docs/architecture.md §10): `npm run build`'s server
 * compile into a folder, then plain `node <folder>/server/main.js` on a fresh data folder and a
 * free port. It must become healthy and answer a round with the offline personas, and its process
 * must not load a TypeScript loader or a bundler, and it keeps its data in the embedded PostgreSQL
 * server it starts beside itself: no `.ts` in the compiled folder, no loader in
 * its command line, and module hooks that refuse tsx, vite, esbuild, rolldown and typescript.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, serverEntry } from '../../server/build.ts';
import { ensureWidgetBuilt } from '../../server/widget-build.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOOKS = pathToFileURL(path.join(import.meta.dirname, 'forbid-dev-tools.mjs')).href;
const REGISTER_HOOKS = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(HOOKS)});`;

let outDir: string;
let dataDir: string;
let child: ChildProcess;
let output = '';
let url: string;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

beforeAll(async () => {
  // Inside the repository, as dist/server is: node_modules and dist/widget resolve from it.
  outDir = path.join(ROOT, 'dist', `production-test-${process.pid}`);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-production-'));
  await buildServer(outDir);
  await ensureWidgetBuilt(() => {});
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    CHORUS_DATA_DIR: dataDir,
    CHORUS_LOG_LEVEL: 'warn',
    CHORUS_TEST_LOADED_FILE: path.join(dataDir, 'loaded-packages'),
  };
  delete env.NODE_OPTIONS; // vitest's own loader settings must not reach the production process
  child = spawn(process.execPath, ['--import', REGISTER_HOOKS, serverEntry(outDir)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  url = await waitFor(() => /Chorus is running at (http:\/\/\S+)/.exec(output)?.[1], {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: `the production banner (output so far: ${output.slice(-500)})`,
  });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    // The embedded cluster stopped with it (a clean shutdown removes its lock file).
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }
  if (outDir) await rm(outDir, { recursive: true, force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the production start (npm run build, then node on compiled JavaScript)', () => {
  it('is compiled JavaScript only, run by node with no TypeScript loader', async () => {
    const files = await filesUnder(outDir);
    expect(files.some((name) => name === 'main.js')).toBe(true);
    expect(files.filter((name) => name.endsWith('.ts'))).toEqual([]);
    const commandLine = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine.join(' ')).not.toMatch(/tsx|vite|\.ts\b/);
    expect(commandLine).toContain(serverEntry(outDir));
  });

  it('becomes healthy and ready', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, {
      timeoutMs: 10_000,
      what: '/readyz',
    });
  });

  it('serves the prebuilt loader, and the hashed widget it names, precompressed', async () => {
    const response = await fetch(`${url}/chorus.js`, { headers: { 'accept-encoding': 'br' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const loader = await response.text(); // fetch decodes brotli
    const widget = /chorus\/chorus\.[\w-]{8}\.js/.exec(loader)?.[0];
    expect(widget, 'the full widget named in the loader').toBeDefined();
    const full = await fetch(`${url}/${widget}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-encoding')).toBe('gzip');
    expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await full.text()).toMatch(/chorus-chat/);
  });

  it('answers a round: a visitor posts and an offline persona replies', async () => {
    const visitor = await RoomVisitor.join(url, 'shared', 'Production check');
    try {
      await visitor.post('Hello, is anybody there?');
      const reply = await waitFor(
        async () =>
          (await visitor.fetchMessages()).find(
            (message) =>
              message.author.kind === 'agent' &&
              message.status === 'complete' &&
              message.content.length > 0,
          ),
        { timeoutMs: 30_000, intervalMs: 200, what: 'an agent reply' },
      );
      expect(reply.content.length).toBeGreaterThan(0);
      expect(output).not.toMatch(/production loaded a dev tool/);
    } finally {
      await visitor.disconnect();
    }
  }, 45_000);

  it('loads neither model SDK nor PGlite when its personas are offline and its database PostgreSQL', () => {
    const loaded = existsSync(path.join(dataDir, 'loaded-packages'))
      ? readFileSync(path.join(dataDir, 'loaded-packages'), 'utf8')
      : '';
    expect(loaded).toBe('');
  });

  it('keeps its data in the embedded PostgreSQL server, a child process (stopped with it: afterAll)', async () => {
    const cluster = path.join(dataDir, 'postgres');
    expect(existsSync(path.join(cluster, 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false);
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')
      .split(/\s+/)
      .filter(Boolean)
      .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    expect(children.some((command) => command.includes(cluster))).toBe(true);
  });
});
