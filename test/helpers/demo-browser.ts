import { chromium, type Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { CHROMIUM_ARGS, findChromium } from './chromium.ts';
import { openTestPGlite } from './databases.ts';
import { throwawayConfig } from './throwaway-config.ts';

/** The demo site served by a real server, and a headless Chromium to visit it. */
export interface DemoInBrowser {
  server: RunningServer;
  browser: Browser;
  /** Closes the browser and the server and removes the data folder. */
  close(): Promise<void>;
}

/**
 * The whole server in process (in-memory PGlite from the run's template, the offline personas,
 * the built widget and the demo pages) with `env`, and Chromium: what the e2e tests start.
 * @example const demo = await startDemoInBrowser({ CHORUS_OFFLINE_TOKENS_PER_SECOND: '200' });
 */
export async function startDemoInBrowser(env: Record<string, string> = {}): Promise<DemoInBrowser> {
  const throwaway = await throwawayConfig(env);
  const [sql, { executablePath }] = await Promise.all([openTestPGlite(), findChromium()]);
  const server = await startServer(throwaway.config, { serveWidget: true, sql });
  const browser = await chromium.launch({
    executablePath,
    args: [...CHROMIUM_ARGS],
    headless: true,
  });
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await throwaway.removeDataDir();
    },
  };
}
