// The inbox's browser tests alone, without the real Chorus server the repository's config starts
// (they run against an in-memory server of the contract, inbox/test-support/fake-inbox-server.ts):
// `npx wtr --config inbox/web-test-runner.config.mjs` from the repository's root.
import { createConfig } from '../web-test-runner.config.mjs';

const config = await createConfig();

export default {
  ...config,
  files: 'inbox/**/*.browser.test.ts',
  plugins: config.plugins.filter((plugin) => plugin.name !== 'chorus-test-server'),
};
