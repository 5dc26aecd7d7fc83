// Web Test Runner: `*.browser.test.ts` files in a real headless Chromium (`npm run test:browser`).
//
// This file is `.mjs` because WTR only discovers `web-test-runner.config.{mjs,cjs,js}` and loads it
// with a plain `import()`; Node 20 cannot import `.ts`. TypeScript helpers are loaded through
// tsx's scoped `tsImport`, so Node-side code (the browser finder, later the Chorus test server)
// stays in type-checked `.ts` files.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { tsImport } from 'tsx/esm/api';
import { inboxTestServerPlugin } from './inbox/test-support/inbox-test-server-plugin.mjs';

/** @type {typeof import('./test/helpers/chromium.ts')} */
const { CHROMIUM_ARGS, findChromium } = await tsImport(
  './test/helpers/chromium.ts',
  import.meta.url,
);

/** @type {typeof import('./widget/build/minify-css-literals.ts')} */
const { minifyCssLiteralsIn } = await tsImport(
  './widget/build/minify-css-literals.ts',
  import.meta.url,
);

/**
 * The widget build minifies the CSS of `*.styles.ts` (vite.config.ts); the browser tests do the
 * same, so that they check the stylesheets that ship (axe's contrast checks included).
 * @type {import('@web/test-runner').TestRunnerPlugin}
 */
const minifiedStylesPlugin = {
  name: 'chorus-minified-styles',
  transform(context) {
    if (!context.path.endsWith('.styles.ts')) return undefined;
    return { body: minifyCssLiteralsIn(/** @type {string} */ (context.body), context.path) };
  },
};

/**
 * `executeServerCommand('accessibility-tree')`: Chromium's whole accessibility tree (roles, names,
 * descriptions; `interestingOnly: false`, so list items and landmarks are in it) for tests of
 * what assistive technology gets.
 * @type {import('@web/test-runner').TestRunnerPlugin}
 */
const accessibilityTreePlugin = {
  name: 'chorus-accessibility-tree',
  async executeCommand({ command, session }) {
    if (command !== 'accessibility-tree') return undefined;
    const page = /** @type {import('@web/test-runner-chrome').ChromeLauncher} */ (
      session.browser
    ).getPage(session.id);
    return page.accessibility.snapshot({ interestingOnly: false });
  },
};

/** Where browser tests fetch the Node-side test server's details from. */
export const TEST_CONFIG_PATH = '/__chorus/test-config.json';

/**
 * @typedef {object} TestServerHandle
 * @property {Record<string, unknown>} testConfig JSON-serialisable; served at TEST_CONFIG_PATH.
 * @property {() => Promise<void>} stop Called once when WTR shuts down.
 */

/**
 * The real Chorus server (port 0, throw-away data folder), started before any browser test runs;
 * its URL and test tokens are served at TEST_CONFIG_PATH.
 * @returns {Promise<TestServerHandle>}
 */
async function startTestServer() {
  /** @type {typeof import('./test/helpers/browser-test-server.ts')} */
  const { startBrowserTestServer } = await tsImport(
    './test/helpers/browser-test-server.ts',
    import.meta.url,
  );
  return startBrowserTestServer();
}

/**
 * A dev-server plugin: `serverStart` runs (and is awaited) before browsers launch, `serve`
 * answers TEST_CONFIG_PATH, `serverStop` runs on shutdown.
 *
 * @param {() => Promise<TestServerHandle>} start
 * @returns {import('@web/test-runner').TestRunnerPlugin}
 */
export function testServerPlugin(start) {
  /** @type {TestServerHandle | undefined} */
  let handle;
  return {
    name: 'chorus-test-server',
    async serverStart() {
      handle = await start();
    },
    async serverStop() {
      await handle?.stop();
      handle = undefined;
    },
    serve(context) {
      if (context.path !== TEST_CONFIG_PATH) return undefined;
      if (!handle) throw new Error('chorus-test-server: serverStart has not run');
      return {
        body: JSON.stringify(handle.testConfig),
        type: 'json',
        headers: { 'cache-control': 'no-store' },
      };
    },
  };
}

/**
 * Builds the WTR config; extra plugins (e.g. more Node-side servers) can be passed in.
 *
 * @param {{ plugins?: import('@web/test-runner').TestRunnerPlugin[] }} [options]
 * @returns {Promise<import('@web/test-runner').TestRunnerConfig>}
 */
export async function createConfig({ plugins = [] } = {}) {
  const { executablePath, source } = await findChromium();
  console.log(`[web-test-runner] Chromium: ${executablePath} (from ${source})`);
  return {
    files: '{widget,inbox,test}/**/*.browser.test.ts',
    nodeResolve: true,
    concurrency: 1,
    concurrentBrowsers: 1,
    browserStartTimeout: 60_000,
    testsStartTimeout: 60_000,
    testsFinishTimeout: 120_000,
    testFramework: { config: { timeout: 10_000 } },
    plugins: [
      minifiedStylesPlugin,
      esbuildPlugin({ ts: true, target: 'es2022' }),
      testServerPlugin(startTestServer),
      accessibilityTreePlugin,
      ...plugins,
    ],
    browsers: [
      chromeLauncher({
        launchOptions: { executablePath, headless: true, args: [...CHROMIUM_ARGS] },
      }),
    ],
  };
}

// The inbox's real-server test has its own server (inbox/test-support/inbox-test-server-plugin.mjs).
export default await createConfig({ plugins: [inboxTestServerPlugin()] });
