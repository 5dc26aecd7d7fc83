import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './lib/logger.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WIDGET_DIST_DIR = path.join(ROOT, 'dist', 'widget');
export const DEMO_DIR = path.join(ROOT, 'demo');
const SOURCES = ['widget', 'protocol', 'vite.config.ts'].map((entry) => path.join(ROOT, entry));
const OUTPUTS = ['chorus.js', 'chorus.mjs'].map((file) => path.join(WIDGET_DIST_DIR, file));

async function newestChange(entry: string): Promise<number> {
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

/**
 * Builds the widget (`dist/widget/chorus.js` and `chorus.mjs`) when it is missing or older than
 * its sources, so `npm start` serves the embed on a fresh clone. Needs Vite (a dev dependency);
 * a deployment without dev dependencies must ship a built `dist/widget`.
 */
export async function ensureWidgetBuilt(log: Logger): Promise<void> {
  const builtAt = Math.min(
    ...(await Promise.all(
      OUTPUTS.map((file) =>
        stat(file).then(
          (info) => info.mtimeMs,
          () => 0,
        ),
      ),
    )),
  );
  const changedAt = Math.max(...(await Promise.all(SOURCES.map(newestChange))));
  if (builtAt > changedAt) return;
  log('info', 'widget.building', { outDir: WIDGET_DIST_DIR });
  const started = Date.now();
  const { build } = await import('vite');
  const configFile = path.join(ROOT, 'vite.config.ts');
  await build({ configFile, root: ROOT, logLevel: 'warn', mode: 'production' });
  await build({ configFile, root: ROOT, logLevel: 'warn', mode: 'esm' });
  log('info', 'widget.built', { ms: Date.now() - started });
}
