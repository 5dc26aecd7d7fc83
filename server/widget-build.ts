import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './lib/logger.ts';

/** Whether this module runs compiled (`npm run build`, docs/architecture.md §10) rather than from source. */
export const COMPILED = import.meta.url.endsWith('.js');

/** The repository: the nearest folder above this module with a package.json (`server/..` from source, `dist/server/server/../../..` compiled). */
function repositoryRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(folder, 'package.json')) && path.dirname(folder) !== folder)
    folder = path.dirname(folder);
  return folder;
}

const ROOT = repositoryRoot();
export const WIDGET_DIST_DIR = path.join(ROOT, 'dist', 'widget');
export const DEMO_DIR = path.join(ROOT, 'demo');
/** The operator inbox page, built by `vite build --mode inbox` (it imports the widget's components). */
export const INBOX_DIST_DIR = path.join(ROOT, 'dist', 'inbox');
/**
 * A migrated, empty PGlite database made by `npm run build` (gzipped dump): a first start loads it
 * instead of running initdb in WASM, then migrates what is newer (docs/architecture.md §10).
 */
export const PGLITE_TEMPLATE = path.join(ROOT, 'dist', 'pglite-template.tgz');
const SOURCES = ['widget', 'protocol', 'vite.config.ts'].map((entry) => path.join(ROOT, entry));
/** The loader (built last of the widget's passes, from the full widget's manifest) and the ES module. */
const OUTPUTS = ['chorus.js', 'chorus.mjs', '.vite/manifest.json'].map((file) =>
  path.join(WIDGET_DIST_DIR, file),
);
/**
 * The widget's passes in order (vite.config.ts; `npm run build:widget` runs the same): the full
 * widget, then the loader that names its hashed file, then the ES module.
 */
export const WIDGET_BUILD_MODES = ['production', 'loader', 'esm'] as const;
const INBOX_SOURCES = [...SOURCES, path.join(ROOT, 'inbox')];
const INBOX_OUTPUTS = [path.join(INBOX_DIST_DIR, 'index.html')];
/** The live dashboard example (`demo/dashboard/`), built by `vite build --mode dashboard`. */
const DASHBOARD_SOURCES = [path.join(ROOT, 'demo', 'dashboard'), path.join(ROOT, 'vite.config.ts')];
const DASHBOARD_OUTPUTS = [path.join(ROOT, 'dist', 'demo-dashboard', 'index.html')];

/** The latest modification time under `entry` (0 when missing), test files left out. */
export async function newestChange(entry: string): Promise<number> {
  const info = await stat(entry).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const children = await readdir(entry);
  const times = await Promise.all(
    children
      .filter((name) => !name.includes('.test.'))
      .map((name) => newestChange(path.join(entry, name))),
  );
  return Math.max(info.mtimeMs, ...times);
}

/** Whether every output is newer than every source. */
async function upToDate(outputs: readonly string[], sources: readonly string[]): Promise<boolean> {
  const builtAt = Math.min(
    ...(await Promise.all(
      outputs.map((file) =>
        stat(file).then(
          (info) => info.mtimeMs,
          () => 0,
        ),
      ),
    )),
  );
  const changedAt = Math.max(...(await Promise.all(sources.map(newestChange))));
  return builtAt > changedAt;
}

/**
 * Builds the widget (`dist/widget/`: the loader `chorus.js`, the hashed full widget and `chorus.mjs`), the operator inbox
 * (`dist/inbox/`) and the live dashboard example (`dist/demo-dashboard/`), each when it is missing or older than its sources, so `npm start` serves the
 * embed and `/inbox/` on a fresh clone. Needs Vite (a dev dependency); a deployment without dev
 * dependencies must ship a built `dist/`.
 */
export async function ensureWidgetBuilt(log: Logger): Promise<void> {
  if (COMPILED) return requirePrebuilt();
  const widgetFresh = await upToDate(OUTPUTS, SOURCES);
  const inboxFresh = await upToDate(INBOX_OUTPUTS, INBOX_SOURCES);
  const dashboardFresh = await upToDate(DASHBOARD_OUTPUTS, DASHBOARD_SOURCES);
  if (widgetFresh && inboxFresh && dashboardFresh) return;
  const { build } = await import('vite');
  const configFile = path.join(ROOT, 'vite.config.ts');
  if (!widgetFresh) {
    log('info', 'widget.building', { outDir: WIDGET_DIST_DIR });
    const started = Date.now();
    for (const mode of WIDGET_BUILD_MODES)
      await build({ configFile, root: ROOT, logLevel: 'warn', mode });
    log('info', 'widget.built', { ms: Date.now() - started });
  }
  if (!inboxFresh) {
    log('info', 'inbox.building', { outDir: INBOX_DIST_DIR });
    const started = Date.now();
    await build({ configFile, logLevel: 'warn', mode: 'inbox' });
    log('info', 'inbox.built', { ms: Date.now() - started });
  }
  if (!dashboardFresh) {
    const started = Date.now();
    await build({ configFile, logLevel: 'warn', mode: 'dashboard' });
    log('info', 'dashboard.built', { ms: Date.now() - started });
  }
}

/**
 * Compiled JavaScript serves what `npm run build` made and never loads the bundler (Vite is a dev
 * dependency): a missing build is a start-up error naming the command.
 */
async function requirePrebuilt(): Promise<void> {
  const missing = [...OUTPUTS, ...INBOX_OUTPUTS, ...DASHBOARD_OUTPUTS].filter(
    (file) => !existsSync(file),
  );
  if (missing.length > 0)
    throw new Error(`the widget is not built (${missing.join(', ')}): run \`npm run build\``);
}
