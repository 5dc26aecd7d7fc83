/**
 * The widget's build (STYLE §A), three passes into `dist/widget/` (docs/architecture.md §10,
 * "Widget delivery"):
 *
 * - `vite build` → `chorus/chorus.<hash>.js`: the full widget, one self-contained, minified IIFE
 *   from `widget/embed.ts`, named by its content (cached for good) and listed in Vite's manifest;
 * - `vite build --mode loader` → `chorus.js`: the small loader for the script tag
 *   (`widget/loader.ts`), which embeds the full widget's name from that manifest, so it runs
 *   second; it sets `window.Chorus` and defines no other global;
 * - `vite build --mode esm` → `chorus.mjs`: everything as one minified ES module from
 *   `widget/index.ts` (its exports kept).
 *
 * An IIFE cannot share a build with a second entry, hence separate passes (`npm run build:widget`
 * runs them). Everything (Lit, nanostores, realtime-js) is bundled: a page loads the loader, the
 * widget, plus `chorus-i18n/<language>.<hash>.json` when it is in a language other than English.
 * Each pass writes `.br` and `.gz` beside its scripts and packs (widget/build/precompress.ts).
 *
 * A fourth pass, `vite build --mode inbox`, builds the operator inbox page (`inbox/index.html` and
 * its script, which imports the widget's components) into `dist/inbox/`, served at `/inbox/`.
 * `npm run test:size` checks the gzipped sizes (widget/scripts/check-size.ts). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import { emitLanguagePacks } from './widget/build/emit-language-packs.ts';
import { keepPreviousWidget } from './widget/build/keep-previous-widget.ts';
import { precompress } from './widget/build/precompress.ts';
import { launcherStringsByLanguage } from './widget/i18n/launcher-strings.ts';
import { minifyCssLiterals } from './widget/build/minify-css-literals.ts';
import { trimPhoenix } from './widget/build/trim-phoenix.ts';
import { trimRealtimeJs } from './widget/build/trim-realtime-js.ts';

/** The operator inbox: a page, not a library; its hashed script and stylesheet in `assets/`. */
function inboxConfig(): UserConfig {
  return {
    root: fileURLToPath(new URL('./inbox', import.meta.url)),
    base: '/inbox/',
    publicDir: false,
    plugins: [minifyCssLiterals(), trimRealtimeJs(), trimPhoenix()],
    resolve: { conditions: ['production', 'module', 'browser', 'default'] },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir: '../dist/inbox',
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      sourcemap: true,
      modulePreload: false,
      rolldownOptions: { output: { charset: 'ascii' } },
    },
  };
}

/**
 * The live dashboard example (`demo/dashboard/`: seed 000's React ChatWindow on supabase-js): a
 * page of its own, since the demo pages' CSP runs only scripts from this server.
 */
function dashboardConfig(): UserConfig {
  return {
    root: fileURLToPath(new URL('./demo/dashboard', import.meta.url)),
    base: '/demo/dashboard/',
    publicDir: false,
    // The build's mode is `dashboard`, not `production`: say which JSX runtime to compile for.
    oxc: { jsx: { runtime: 'automatic', development: false } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir: '../../dist/demo-dashboard',
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      modulePreload: false,
      rolldownOptions: { output: { charset: 'ascii' } },
    },
  };
}

/** The full widget's entry, as Vite's manifest names it. */
const WIDGET_ENTRY = 'widget/embed.ts';
/** Written by the full widget's pass (`build.manifest`), read by the loader's. */
const WIDGET_MANIFEST = 'dist/widget/.vite/manifest.json';

/** The full widget's hashed file (`chorus/chorus.<hash>.js`), from the manifest of its pass. */
function builtWidgetFile(): string {
  let manifest: Record<string, { file?: string }>;
  try {
    manifest = JSON.parse(readFileSync(WIDGET_MANIFEST, 'utf8')) as typeof manifest;
  } catch {
    throw new Error(`${WIDGET_MANIFEST} is missing: run \`vite build\` before --mode loader`);
  }
  const file = manifest[WIDGET_ENTRY]?.file;
  if (!file) throw new Error(`${WIDGET_MANIFEST} names no ${WIDGET_ENTRY}`);
  return file;
}

/**
 * The loader (`chorus.js`): only Lit's css-tag (the launcher's stylesheets, adopted as the
 * element does), no Lit runtime: `lit` resolves to `@lit/reactive-element/css-tag.js` here, so a
 * loader module that used more of Lit would fail this build instead of growing it.
 */
function loaderConfig(): UserConfig {
  return {
    publicDir: false,
    plugins: [minifyCssLiterals(), precompress()],
    resolve: { alias: [{ find: /^lit$/, replacement: '@lit/reactive-element/css-tag.js' }] },
    define: {
      __CHORUS_WIDGET_FILE__: JSON.stringify(builtWidgetFile()),
      __CHORUS_LAUNCHER_STRINGS__: JSON.stringify(launcherStringsByLanguage()),
    },
    build: {
      outDir: 'dist/widget',
      emptyOutDir: false,
      target: 'es2022',
      minify: true,
      sourcemap: true,
      copyPublicDir: false,
      modulePreload: false,
      lib: {
        entry: 'widget/loader.ts',
        formats: ['iife'],
        name: 'ChorusLoader',
        fileName: () => 'chorus.js',
      },
      rolldownOptions: { output: { charset: 'ascii' } },
    },
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'inbox') return inboxConfig();
  if (mode === 'dashboard') return dashboardConfig();
  if (mode === 'loader') return loaderConfig();
  const esm = mode === 'esm';
  return {
    publicDir: false,
    // CSS of css`…` literals minified; realtime-js's postgres_changes and non-browser parts, and
    // Phoenix's long polling and default serializer, left out (docs/decisions.md, "Widget build");
    // languages other than English as JSON beside the bundle, fetched when a page needs them.
    plugins: [
      minifyCssLiterals(),
      trimRealtimeJs(),
      trimPhoenix(),
      emitLanguagePacks(),
      // The previous build's widget and packs stay servable after a rebuild (not for esm).
      ...(esm ? [] : [keepPreviousWidget(WIDGET_ENTRY)]),
      precompress(),
    ],
    // Lit's production build (its `development` export adds checks and logging: 19% of render time
    // in bench/widget-render, and "Lit is in dev mode" in every host page's console).
    resolve: { conditions: ['production', 'module', 'browser', 'default'] },
    // Dependencies check `process.env.NODE_ENV`; nothing else replaces it in a library build.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir: 'dist/widget',
      emptyOutDir: !esm,
      // ES2022 keeps class fields and `#private` members native (and lets the minifier shorten them).
      target: 'es2022',
      minify: true,
      sourcemap: true,
      copyPublicDir: false,
      modulePreload: false,
      manifest: !esm,
      rolldownOptions: esm
        ? {
            input: 'widget/index.ts',
            preserveEntrySignatures: 'strict',
            output: {
              format: 'es',
              entryFileNames: 'chorus.mjs',
              codeSplitting: false,
              charset: 'ascii',
            },
          }
        : {
            input: WIDGET_ENTRY,
            output: {
              format: 'iife',
              name: 'ChorusEmbed',
              entryFileNames: 'chorus/chorus.[hash].js',
              codeSplitting: false,
              // A page or CDN serving the file without `charset=utf-8` would decode UTF-8 as
              // windows-1252; escaped non-ASCII reads the same everywhere.
              charset: 'ascii',
            },
          },
    },
  };
});
