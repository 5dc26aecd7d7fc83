/**
 * A Vite plugin for the widget build: swaps three modules of `@supabase/realtime-js` for small
 * stand-ins (`./realtime-js-stand-ins/`), because the widget never runs them and tree-shaking
 * cannot drop them (class methods of RealtimeClient and RealtimeChannel reference them):
 *
 * - `lib/transformers.js`: postgres_changes type conversions (the stand-in keeps `httpEndpointURL`,
 *   the REST broadcast endpoint);
 * - `RealtimePostgresFilterBuilder.js`: the postgres_changes filter builder;
 * - `lib/websocket-factory.js`: WebSocket detection for Node, Deno and edge runtimes (the widget
 *   runs in a browser: the global `WebSocket`);
 * - `lib/serializer.js`: the binary serializer of protocol vsn 2.0.0 (the widget speaks 1.0.0).
 *
 * The widget uses broadcast and presence only (docs/architecture.md §3); measured saving: 1.46 KB of the
 * gzipped `chorus.js`, and 0.94 KB more for the serializer. The rest of realtime-js is unmodified, and the server and the Node tests
 * import the real modules (only vite.config.ts uses this plugin). Anything of postgres_changes
 * throws "postgres_changes is not part of the Chorus widget build".
 *
 * Upgrades are guarded by trim-realtime-js.test.ts (the replaced paths exist, export the same names
 * as the stand-ins, and are used by the rest of realtime-js as reviewed) and by this plugin, which
 * fails the build when one of the paths is no longer part of it (docs/decisions.md, Widget).
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { dropLogging } from './drop-realtime-logging.ts';

/** realtime-js's ES module build, as resolved from its `module` field. */
export const REALTIME_JS_MODULE_DIR = '@supabase/realtime-js/dist/module/';

/** Each replaced module (relative to REALTIME_JS_MODULE_DIR) and its stand-in (relative to this file). */
export const REALTIME_JS_STAND_INS = {
  'lib/transformers.js': { standIn: './realtime-js-stand-ins/transformers.ts', hasDefault: false },
  'RealtimePostgresFilterBuilder.js': {
    standIn: './realtime-js-stand-ins/realtime-postgres-filter-builder.ts',
    hasDefault: false,
  },
  'lib/websocket-factory.js': {
    standIn: './realtime-js-stand-ins/websocket-factory.ts',
    hasDefault: true,
  },
  'lib/serializer.js': { standIn: './realtime-js-stand-ins/serializer.ts', hasDefault: true },
} as const;

export type ReplacedModule = keyof typeof REALTIME_JS_STAND_INS;

/**
 * The absolute path of a replaced module's stand-in.
 * @example standInPath('lib/transformers.js') // '/…/widget/build/realtime-js-stand-ins/transformers.ts'
 */
export function standInPath(module: ReplacedModule): string {
  return fileURLToPath(new URL(REALTIME_JS_STAND_INS[module].standIn, import.meta.url));
}

/**
 * The replaced module a resolved module id is, if any.
 * @example replacedModuleOf('/app/node_modules/@supabase/realtime-js/dist/module/lib/transformers.js') // 'lib/transformers.js'
 */
export function replacedModuleOf(id: string): ReplacedModule | undefined {
  const path = id.split('?')[0]!.replaceAll('\\', '/');
  const at = path.lastIndexOf(`/node_modules/${REALTIME_JS_MODULE_DIR}`);
  if (at === -1) return undefined;
  const module = path.slice(at + `/node_modules/${REALTIME_JS_MODULE_DIR}`.length);
  return Object.hasOwn(REALTIME_JS_STAND_INS, module) ? (module as ReplacedModule) : undefined;
}

/**
 * @example defineConfig({ plugins: [trimRealtimeJs()] })
 */
export function trimRealtimeJs(): Plugin {
  const replaced = new Set<ReplacedModule>();
  return {
    name: 'chorus:trim-realtime-js',
    apply: 'build',
    enforce: 'pre',
    buildStart() {
      replaced.clear();
    },
    load(id) {
      const module = replacedModuleOf(id);
      if (!module) return null;
      replaced.add(module);
      // The module becomes a re-export of its stand-in, a TypeScript file built like the widget's own.
      const from = JSON.stringify(standInPath(module));
      return `export * from ${from};\n${REALTIME_JS_STAND_INS[module].hasDefault ? `export { default } from ${from};\n` : ''}`;
    },
    // The modules kept lose their logging (drop-realtime-logging.ts: the widget sets no logger).
    transform(code, id) {
      if (
        !id.split('?')[0]!.replaceAll('\\', '/').includes(`/node_modules/${REALTIME_JS_MODULE_DIR}`)
      )
        return null;
      return { code: dropLogging(code), map: null };
    },
    buildEnd(error) {
      if (error) return;
      const missing = Object.keys(REALTIME_JS_STAND_INS).filter(
        (module) => !replaced.has(module as ReplacedModule),
      );
      // A realtime-js upgrade moved or dropped a module: review the stand-ins rather than ship untrimmed.
      if (missing.length > 0) {
        this.error(
          `trim-realtime-js: ${missing.map((module) => REALTIME_JS_MODULE_DIR + module).join(', ')} no longer part of the widget build; review widget/build/trim-realtime-js.ts`,
        );
      }
    },
  };
}
