// The production build (docs/architecture.md §10): `npm run build` compiles the server to plain
// JavaScript and builds the widget and inbox, so production runs `node dist/server/server/main.js`
// with no TypeScript loader and no bundler in its process.
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from './lib/logger.ts';
import { migrate } from './store/migrate.ts';
import { PGliteSql } from './store/pglite-sql.ts';
import { PGLITE_TEMPLATE, ensureWidgetBuilt, newestChange } from './widget-build.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm run build` writes the server; its entry is `<dir>/server/main.js`. */
export const SERVER_DIST_DIR = path.join(ROOT, 'dist', 'server');
const SERVER_SOURCES = ['server', 'protocol', 'supabase', 'tsconfig.build.json', 'package.json'];
const STAMP = '.built-at';

/** The compiled entry point in `outDir`. */
export function serverEntry(outDir: string = SERVER_DIST_DIR): string {
  return path.join(outDir, 'server', 'main.js');
}

/**
 * Compiles server/ and protocol/ into `outDir` (inside the repository, so `node_modules` and
 * `dist/widget` resolve from it) and copies what the server reads at run time: the shipped
 * personas and the migrations. Type checking is `npm run test:types`' job, so emitting skips it.
 * @example await buildServer(); // then: node dist/server/server/main.js
 */
export async function buildServer(outDir: string = SERVER_DIST_DIR): Promise<void> {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['-p', 'tsconfig.build.json', '--noCheck', '--outDir', outDir];
  await run(process.execPath, [
    tsc,
    ...args,
    '--tsBuildInfoFile',
    path.join(outDir, '.tsbuildinfo'),
  ]);
  const personas = path.join(ROOT, 'server', 'personas');
  for (const file of (await readdir(personas)).filter((name) => name.endsWith('.md')))
    await cp(path.join(personas, file), path.join(outDir, 'server', 'personas', file));
  await cp(path.join(ROOT, 'supabase', 'migrations'), path.join(outDir, 'supabase', 'migrations'), {
    recursive: true,
  });
  await writeFile(path.join(outDir, STAMP), `${new Date().toISOString()}\n`);
}

/**
 * Writes {@link PGLITE_TEMPLATE}: an in-memory PGlite, migrated, dumped gzipped. A first start
 * loads it instead of running initdb (docs/benchmarks.md, "Footprint").
 */
export async function buildPGliteTemplate(file: string = PGLITE_TEMPLATE): Promise<void> {
  const sql = await PGliteSql.open();
  try {
    await migrate(sql);
    const dump = (await sql.db.dumpDataDir('gzip')) as Blob;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  } finally {
    await sql.close();
  }
}

/** Whether `outDir` was built after the last change to the server's sources. */
export async function serverBuildIsFresh(outDir: string = SERVER_DIST_DIR): Promise<boolean> {
  const builtAt = await stat(path.join(outDir, STAMP)).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  const changes = await Promise.all(
    SERVER_SOURCES.map((entry) => newestChange(path.join(ROOT, entry))),
  );
  return builtAt > Math.max(...changes);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(args[0] ?? command)} exited ${code}`)),
    );
  });
}

/** `tsx server/build.ts [--if-stale]`: the server, then the widget and inbox (each only when stale). */
async function main(): Promise<void> {
  const ifStale = process.argv.includes('--if-stale');
  if (!(ifStale && (await serverBuildIsFresh()))) {
    const started = Date.now();
    await mkdir(SERVER_DIST_DIR, { recursive: true });
    await buildServer();
    await buildPGliteTemplate();
    process.stdout.write(`server built in ${Date.now() - started} ms: ${serverEntry()}\n`);
  }
  await ensureWidgetBuilt(createLogger('warn'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
