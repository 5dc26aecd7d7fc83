/**
 * The size budget of the script-tag bundle (STYLE §G): gzips `dist/widget/chorus.js` (run
 * `npm run build:widget` first), prints the figures, and exits 1 above the budget.
 *
 *   tsx widget/scripts/check-size.ts            # budget 50 KB
 *   CHORUS_SIZE_BUDGET_KB=44 tsx widget/scripts/check-size.ts
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The script-tag bundle within 50 KB gzipped: the widget pass of issue 13 (docs/decisions.md, "Widget size budget: 50 KB"). */
const DEFAULT_BUDGET_KB = 50;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = ['chorus.js', 'chorus.mjs'];
const budgetKb = Number(process.env['CHORUS_SIZE_BUDGET_KB'] ?? DEFAULT_BUDGET_KB);
const kb = (bytes: number) => (bytes / 1024).toFixed(2);

let failed = false;
for (const file of files) {
  const location = path.join(root, 'dist/widget', file);
  let code: Buffer;
  try {
    code = await readFile(location);
  } catch {
    console.error(`${file}: not found at ${location}; run "npm run build:widget" first`);
    failed = true;
    continue;
  }
  const gzipped = gzipSync(code, { level: 9 }).length;
  const budgeted = file === 'chorus.js';
  const over = budgeted && gzipped > budgetKb * 1024;
  failed ||= over;
  console.log(
    `${file.padEnd(11)} ${kb(code.length).padStart(7)} KB minified, ${kb(gzipped).padStart(6)} KB gzipped${budgeted ? ` (budget ${budgetKb} KB${over ? ': OVER' : ': ok'})` : ''}`,
  );
}
process.exitCode = failed ? 1 : 0;
