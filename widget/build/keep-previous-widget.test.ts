import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepPreviousWidget } from './keep-previous-widget.ts';

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** Runs the plugin's hooks as the full widget's pass does, over `outDir`, with `bundle` already made. */
async function carried(outDir: string, bundle: Record<string, unknown>): Promise<string[]> {
  const plugin = keepPreviousWidget('widget/embed.ts');
  (plugin.configResolved as (config: unknown) => void)({ root: '/', build: { outDir } });
  await (plugin.buildStart as () => Promise<void>)();
  const emitted: string[] = [];
  (plugin.generateBundle as (this: unknown, options: unknown, bundle: unknown) => void).call(
    { emitFile: (file: { fileName: string }) => emitted.push(file.fileName) },
    {},
    bundle,
  );
  return emitted.sort();
}

describe('keepPreviousWidget', () => {
  it("carries the previous build's hashed widget, its map and hashed packs into the next build", async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'chorus-keep-'));
    folders.push(outDir);
    await mkdir(path.join(outDir, '.vite'));
    await mkdir(path.join(outDir, 'chorus'));
    await mkdir(path.join(outDir, 'chorus-i18n'));
    await writeFile(
      path.join(outDir, '.vite', 'manifest.json'),
      JSON.stringify({ 'widget/embed.ts': { file: 'chorus/chorus.OLD_hash.js' } }),
    );
    for (const file of [
      'chorus/chorus.OLD_hash.js',
      'chorus/chorus.OLD_hash.js.map',
      'chorus/chorus.OLD_hash.js.br',
      // Two builds ago: not named by the manifest, so it goes.
      'chorus/chorus.OLDER_ha.js',
      'chorus-i18n/fr.0123abcd.json',
      'chorus-i18n/fr.json',
    ])
      await writeFile(path.join(outDir, file), file);

    expect(await carried(outDir, { 'chorus/chorus.NEW_hash.js': {} })).toEqual([
      'chorus-i18n/fr.0123abcd.json',
      'chorus/chorus.OLD_hash.js',
      'chorus/chorus.OLD_hash.js.map',
    ]);
    // Rebuilt unchanged: the same names are in the new bundle, nothing is carried.
    expect(
      await carried(outDir, {
        'chorus/chorus.OLD_hash.js': {},
        'chorus/chorus.OLD_hash.js.map': {},
        'chorus-i18n/fr.0123abcd.json': {},
      }),
    ).toEqual([]);
  });

  it('keeps nothing on a first build', async () => {
    const outDir = path.join(tmpdir(), `chorus-keep-missing-${process.pid}`);
    expect(await carried(outDir, {})).toEqual([]);
  });
});
