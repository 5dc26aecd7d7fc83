/**
 * A Vite plugin for the full widget's pass: carries the previous build's hashed widget
 * (`chorus/chorus.<hash>.js` and its map, as the last manifest names it) and its hashed language
 * packs into the new build, which otherwise empties `dist/widget/`. A page whose loader (cached
 * up to five minutes) or whose open tab still names the previous widget can then load it after a
 * rebuild in place; one generation is kept, so the folder does not grow (docs/decisions.md, "The
 * lazy loader"). A fresh checkout has no previous build, and nothing to keep.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin } from 'vite';
import { LANGUAGE_PACK_DIR } from './emit-language-packs.ts';

/** A content-hashed language pack (`fr.5e80379a.json`). */
const HASHED_PACK = /^[a-z]{2,3}\.[0-9a-f]{8}\.json$/;

/** The files of the previous build to keep, by their path under the output folder. */
async function previousFiles(outDir: string, entry: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const manifest = await readFile(path.join(outDir, '.vite', 'manifest.json'), 'utf8').catch(
    () => null,
  );
  const widget = manifest
    ? (JSON.parse(manifest) as Record<string, { file?: string }>)[entry]?.file
    : undefined;
  if (!widget) return files;
  const packs = await readdir(path.join(outDir, LANGUAGE_PACK_DIR)).catch(() => [] as string[]);
  const names = [
    widget,
    `${widget}.map`,
    ...packs.filter((name) => HASHED_PACK.test(name)).map((name) => `${LANGUAGE_PACK_DIR}/${name}`),
  ];
  for (const name of names) {
    const data = await readFile(path.join(outDir, name)).catch(() => null);
    if (data) files.set(name, data);
  }
  return files;
}

/**
 * @example defineConfig({ plugins: [keepPreviousWidget('widget/embed.ts')] })
 */
export function keepPreviousWidget(entry: string): Plugin {
  let outDir = '';
  let kept = new Map<string, Buffer>();
  return {
    name: 'chorus:keep-previous-widget',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async buildStart() {
      kept = await previousFiles(outDir, entry);
    },
    generateBundle(_options, bundle) {
      for (const [fileName, source] of kept)
        if (!(fileName in bundle)) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}
