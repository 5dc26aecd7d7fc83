import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{server,widget,inbox,test,protocol}/**/*.test.ts'],
    exclude: ['**/*.browser.test.ts', 'node_modules/**'],
    globalSetup: ['test/setup/global-setup.ts'],
    sequence: { shuffle: true },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
