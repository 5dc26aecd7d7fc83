/**
 * A module a newcomer opens should fit in their head: production modules stay under
 * {@link MAX_LINES} lines (as Prettier lays them out), or say at their top why they are one file,
 * with a comment line starting `Why one file:` before the first import. The reason is for the
 * reader; this test only keeps a long module from appearing without one.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINES = 300;
/** The folders whose modules ship or run the product. */
const PRODUCTION_FOLDERS = ['server', 'widget', 'protocol', 'inbox'];
/** Tests, their helpers and fixtures are read next to what they test. */
const NOT_PRODUCTION = /(\.test\.ts|\.contract\.ts)$|(^|\/)(test-support|fixtures)\//;

async function productionModules(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(repositoryRoot, folder), {
    recursive: true,
    withFileTypes: true,
  }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) =>
      path
        .relative(repositoryRoot, path.join(entry.parentPath, entry.name))
        .split(path.sep)
        .join('/'),
    )
    .filter((file) => !NOT_PRODUCTION.test(file));
}

/** Whether the comments before the first import or statement give the module's reason. */
function statesWhyOneFile(source: string): boolean {
  const head = source.split(/^(?:import|export|const|function|class)\b/m)[0] ?? '';
  return /^\s*(\/\/|\*)\s*Why one file:\s*\S/m.test(head);
}

describe('module size', () => {
  it('recognises a reason only in the comment at the top', () => {
    expect(statesWhyOneFile('// A.\n// Why one file: one grammar.\nimport x from "x";')).toBe(true);
    expect(
      statesWhyOneFile('/**\n * A.\n * Why one file: one grammar.\n */\nimport x from "x";'),
    ).toBe(true);
    expect(statesWhyOneFile('import x from "x";\n// Why one file: too late.')).toBe(false);
    expect(statesWhyOneFile('// Why one file:\nimport x from "x";')).toBe(false);
  });

  it(`keeps production modules under ${MAX_LINES} lines or says why at their top`, async () => {
    const unexplained: string[] = [];
    for (const folder of PRODUCTION_FOLDERS) {
      for (const file of await productionModules(folder)) {
        const source = await readFile(path.join(repositoryRoot, file), 'utf8');
        const lines = source.split('\n').length;
        if (lines > MAX_LINES && !statesWhyOneFile(source))
          unexplained.push(`${file} (${lines} lines)`);
      }
    }
    expect(unexplained, 'split these, or write "Why one file: …" in their top comment').toEqual([]);
  });
});
