/**
 * A Vite plugin for the widget build: leaves three sections of `@supabase/phoenix` (the Phoenix
 * client realtime-js runs on) out of `chorus.js`, replaced by the stand-ins in
 * `./phoenix-stand-ins/`. Phoenix ships as one pre-bundled file, `priv/static/phoenix.mjs`, whose
 * sections esbuild marks `// js/phoenix/<file>.js`; the `Socket` class references all of them, so
 * tree-shaking keeps them although the widget never runs them:
 *
 * - `ajax.js` and `longpoll.js`: the long-polling fallback transport (realtime-js always passes a
 *   WebSocket `transport`); the socket still builds its URL with `Ajax.appendParams`;
 * - `serializer.js`: Phoenix's default encoder and decoder (realtime-js always passes its own).
 *
 * Measured saving: 1.4 KB of the gzipped `chorus.js`. Its logging is left out too (drop-realtime-logging.ts). Only vite.config.ts uses this plugin; the
 * server and Node tests run the real Phoenix. The plugin fails the build when the file no longer
 * has these sections in this order, and trim-phoenix.test.ts guards upgrades (what the sections
 * declare, how the rest of the file uses it, what realtime-js hands the socket); see
 * docs/decisions.md, "Widget build".
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { dropLogging } from './drop-realtime-logging.ts';

/** Phoenix's ES module build, as resolved from its `module` field. */
export const PHOENIX_MODULE = '@supabase/phoenix/priv/static/phoenix.mjs';

/** The sections left out, and the top-level names each declares (all provided by the stand-ins). */
export const LEFT_OUT_SECTIONS: Readonly<Record<string, readonly string[]>> = {
  'ajax.js': ['Ajax'],
  'longpoll.js': ['arrayBufferToBase64', 'LongPoll'],
  'serializer.js': ['serializer_default'],
};

const SECTION_MARKER = /^\/\/ js\/phoenix\/([\w-]+\.js)$/gm;
const STAND_INS = fileURLToPath(
  new URL('./phoenix-stand-ins/phoenix-stand-ins.ts', import.meta.url),
);

export interface Section {
  file: string;
  start: number;
  end: number;
}

/** The `// js/phoenix/<file>.js` sections of phoenix.mjs, in order (each runs to the next marker). */
export function sectionsOf(source: string): Section[] {
  const markers = [...source.matchAll(SECTION_MARKER)];
  return markers.map((marker, index) => ({
    file: marker[1]!,
    start: marker.index,
    end: markers[index + 1]?.index ?? source.lastIndexOf('\nexport {'),
  }));
}

/** phoenix.mjs without the left-out sections, importing their names from the stand-ins instead. */
export function trimPhoenixSource(source: string): string {
  const sections = sectionsOf(source);
  const leftOut = sections.filter((section) => Object.hasOwn(LEFT_OUT_SECTIONS, section.file));
  const expected = Object.keys(LEFT_OUT_SECTIONS);
  if (leftOut.map((section) => section.file).join() !== expected.join()) {
    throw new Error(
      `trim-phoenix: ${PHOENIX_MODULE} no longer has the sections ${expected.join(', ')}; review widget/build/trim-phoenix.ts`,
    );
  }
  let trimmed = source;
  for (const section of leftOut.reverse())
    trimmed = trimmed.slice(0, section.start) + trimmed.slice(section.end);
  return `import { Ajax, LongPoll, serializer as serializer_default } from ${JSON.stringify(STAND_INS)};\n${trimmed}`;
}

/**
 * @example defineConfig({ plugins: [trimPhoenix()] })
 */
export function trimPhoenix(): Plugin {
  let trimmed = false;
  return {
    name: 'chorus:trim-phoenix',
    apply: 'build',
    buildStart() {
      trimmed = false;
    },
    transform(code, id) {
      if (!id.split('?')[0]!.replaceAll('\\', '/').endsWith(`/node_modules/${PHOENIX_MODULE}`))
        return null;
      trimmed = true;
      return { code: dropLogging(trimPhoenixSource(code)), map: null };
    },
    buildEnd(error) {
      if (!error && !trimmed)
        this.error(
          `trim-phoenix: ${PHOENIX_MODULE} is no longer part of the widget build; review widget/build/trim-phoenix.ts`,
        );
    },
  };
}
