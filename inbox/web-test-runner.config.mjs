// The inbox's browser tests alone: `npx wtr --config inbox/web-test-runner.config.mjs` from the
// repository's root. The component tests run against an in-memory server of the contract
// (inbox/test-support/fake-inbox-server.ts); `inbox.server.browser.test.ts` against the real
// Chorus server that inboxTestServerPlugin starts (without the widget tests' server).
import { createConfig } from '../web-test-runner.config.mjs';
import { inboxTestServerPlugin } from './test-support/inbox-test-server-plugin.mjs';

const config = await createConfig({ plugins: [inboxTestServerPlugin()] });

export default {
  ...config,
  files: 'inbox/**/*.browser.test.ts',
  plugins: config.plugins.filter((plugin) => plugin.name !== 'chorus-test-server'),
};
