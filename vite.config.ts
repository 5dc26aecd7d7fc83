/**
 * The widget's build (STYLE §A), two passes into `dist/widget/`:
 *
 * - `vite build` → `chorus.js`: one self-contained, minified IIFE from `widget/embed.ts` for the
 *   script tag (it sets `window.Chorus` and defines no other global);
 * - `vite build --mode esm` → `chorus.mjs`: everything as one minified ES module from
 *   `widget/index.ts` (its exports kept).
 *
 * An IIFE cannot share a build with a second entry, hence two passes (`npm run build:widget`
 * runs both). Everything (Lit, nanostores, realtime-js) is bundled: a page loads one file, plus
 * `chorus-i18n/<language>.<hash>.json` when it is in a language other than English.
 *
 * A third pass, `vite build --mode inbox`, builds the operator inbox page (`inbox/index.html` and
 * its script, which imports the widget's components) into `dist/inbox/`, served at `/inbox/`.
 * `npm run test:size` checks the gzipped size of `chorus.js` (widget/scripts/check-size.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import { emitLanguagePacks } from './widget/build/emit-language-packs.ts';
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

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'inbox') return inboxConfig();
  if (mode === 'dashboard') return dashboardConfig();
  const esm = mode === 'esm';
  return {
    publicDir: false,
    // CSS of css`…` literals minified; realtime-js's postgres_changes and non-browser parts, and
    // Phoenix's long polling and default serializer, left out (docs/decisions.md, "Widget build");
    // languages other than English as JSON beside the bundle, fetched when a page needs them.
    plugins: [minifyCssLiterals(), trimRealtimeJs(), trimPhoenix(), emitLanguagePacks()],
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
      ...(esm
        ? {
            rolldownOptions: {
              input: 'widget/index.ts',
              preserveEntrySignatures: 'strict',
              output: {
                format: 'es',
                entryFileNames: 'chorus.mjs',
                codeSplitting: false,
                charset: 'ascii',
              },
            },
          }
        : {
            lib: {
              entry: 'widget/embed.ts',
              formats: ['iife'],
              name: 'ChorusEmbed',
              fileName: () => 'chorus.js',
            },
            // A page or CDN serving the file without `charset=utf-8` would decode UTF-8 as
            // windows-1252; escaped non-ASCII reads the same everywhere.
            rolldownOptions: { output: { charset: 'ascii' } },
          }),
    },
  };
});
