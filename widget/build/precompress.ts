/**
 * A Vite plugin for the widget build: writes `<file>.br` (brotli, quality 11) and `<file>.gz`
 * (gzip, level 9) next to each script and language pack the pass wrote, so the server sends them
 * as they are, by `Accept-Encoding`, without compressing per request (docs/decisions.md, "The
 * lazy loader"). Source maps stay uncompressed: only developer tools fetch them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** What is precompressed: scripts and JSON, not maps nor Vite's manifest. */
const COMPRESSED = /\.(js|mjs|json)$/;

/** The two encodings of a file, at their highest settings (the work is done once, at build). */
export function compressed(data: Buffer): { br: Buffer; gz: Buffer } {
  return {
    br: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    gz: gzipSync(data, { level: 9 }),
  };
}

/**
 * @example defineConfig({ plugins: [precompress()] })
 */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'chorus:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async writeBundle(_options, bundle) {
      const files = Object.keys(bundle).filter(
        (name) => COMPRESSED.test(name) && !name.startsWith('.vite/'),
      );
      await Promise.all(
        files.map(async (name) => {
          const file = path.join(outDir, name);
          const { br, gz } = compressed(await readFile(file));
          await Promise.all([writeFile(`${file}.br`, br), writeFile(`${file}.gz`, gz)]);
        }),
      );
    },
  };
}
