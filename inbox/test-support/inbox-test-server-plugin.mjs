// A Web Test Runner plugin: starts the real Chorus server of the inbox's real-server browser tests
// (inbox/test-support/inbox-test-server.ts) before the browsers launch, serves its details at
// INBOX_TEST_CONFIG_PATH, and stops it at the end. `.mjs` for the reason web-test-runner.config.mjs
// gives; the TypeScript side is loaded through tsx's `tsImport`.
import { tsImport } from 'tsx/esm/api';

/** @type {typeof import('./inbox-test-server.ts')} */
const { INBOX_TEST_CONFIG_PATH, startInboxTestServer } = await tsImport(
  './inbox-test-server.ts',
  import.meta.url,
);

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function inboxTestServerPlugin() {
  /** @type {Awaited<ReturnType<typeof startInboxTestServer>> | undefined} */
  let handle;
  return {
    name: 'chorus-inbox-test-server',
    async serverStart() {
      handle = await startInboxTestServer();
    },
    async serverStop() {
      await handle?.stop();
      handle = undefined;
    },
    serve(context) {
      if (context.path !== INBOX_TEST_CONFIG_PATH) return undefined;
      if (!handle) throw new Error('chorus-inbox-test-server: serverStart has not run');
      return {
        body: JSON.stringify(handle.testConfig),
        type: 'json',
        headers: { 'cache-control': 'no-store' },
      };
    },
  };
}
