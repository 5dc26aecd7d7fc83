/**
 * The size budgets of the script tag (STYLE §G, docs/decisions.md "The lazy loader"): reads what
 * `npm run build:widget` wrote to `dist/widget/` and its precompressed copies (the bytes the
 * server sends), prints a table, and exits 1 above a budget:
 *
 * - the loader `chorus.js` within 10 KB gzipped;
 * - the full widget `chorus/chorus.<hash>.js` within 51 KB gzipped;
 * - bytes to a usable widget: loader + full widget as transferred, within 50 KB brotli (what
 *   browsers get over HTTPS); gzip printed beside it.
 *
 *   tsx widget/scripts/check-size.ts
 *   CHORUS_SIZE_BUDGET_KB=44 tsx widget/scripts/check-size.ts   # the full widget's budget
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The full widget within 51 KB gzipped (docs/decisions.md, "Widget size budget: 50 KB, then 51 KB for the full widget"). */
const WIDGET_BUDGET_KB = Number(process.env['CHORUS_SIZE_BUDGET_KB'] ?? 51);
/** The loader (issue 15). */
const LOADER_BUDGET_KB = 10;
/** Loader + widget, brotli, to a usable chat (issue 15). */
const USABLE_BUDGET_KB = 50;

const widgetDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/widget');
const kb = (bytes: number) => (bytes / 1024).toFixed(2);

interface Sizes {
  raw: number;
  gzip: number;
  br: number;
}

async function sizes(file: string): Promise<Sizes> {
  const location = path.join(widgetDir, file);
  const [raw, gzip, br] = await Promise.all(
    ['', '.gz', '.br'].map((suffix) =>
      readFile(`${location}${suffix}`).then((data) => data.length),
    ),
  );
  return { raw: raw!, gzip: gzip!, br: br! };
}

async function widgetFile(): Promise<string> {
  const manifest = JSON.parse(
    await readFile(path.join(widgetDir, '.vite', 'manifest.json'), 'utf8'),
  ) as Record<string, { file: string }>;
  return manifest['widget/embed.ts']!.file;
}

let failed = false;
const rows: string[][] = [['file', 'minified KB', 'gzip KB', 'brotli KB', 'budget']];
const check = (over: boolean, budget: string) => {
  failed ||= over;
  return `${budget}${over ? ': OVER' : ': ok'}`;
};
try {
  const full = await widgetFile();
  const loader = await sizes('chorus.js');
  const widget = await sizes(full);
  const esm = await sizes('chorus.mjs');
  const row = (name: string, size: Sizes, budget: string) => [
    name,
    kb(size.raw),
    kb(size.gzip),
    kb(size.br),
    budget,
  ];
  rows.push(
    row(
      'chorus.js (loader)',
      loader,
      check(loader.gzip > LOADER_BUDGET_KB * 1024, `gzip ≤ ${LOADER_BUDGET_KB}`),
    ),
    row(full, widget, check(widget.gzip > WIDGET_BUDGET_KB * 1024, `gzip ≤ ${WIDGET_BUDGET_KB}`)),
    row('chorus.mjs', esm, ''),
    [
      'to a usable widget',
      kb(loader.raw + widget.raw),
      kb(loader.gzip + widget.gzip),
      kb(loader.br + widget.br),
      check(loader.br + widget.br > USABLE_BUDGET_KB * 1024, `brotli ≤ ${USABLE_BUDGET_KB}`),
    ],
  );
} catch (error) {
  console.error(`${String(error)}\nrun "npm run build:widget" first`);
  process.exit(1);
}
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const row of rows)
  console.log(
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!),
      )
      .join('  '),
  );
process.exitCode = failed ? 1 : 0;
