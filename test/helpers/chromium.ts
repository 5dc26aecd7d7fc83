import { existsSync } from 'node:fs';

/** Where the Chromium used by the browser tests came from. */
export type ChromiumSource = 'CHROME_PATH' | 'system' | '@sparticuz/chromium';

/** A Chromium binary that Web Test Runner can launch through puppeteer-core. */
export interface ChromiumBinary {
  executablePath: string;
  source: ChromiumSource;
}

/** System locations tried, in order, when `CHROME_PATH` is not set. */
export const SYSTEM_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
] as const;

/**
 * Flags for a headless Chromium in CI and containers (we run as root, hence `--no-sandbox`).
 * Headless mode itself comes from puppeteer's `headless: true`, which adds `--headless=new`;
 * the `@sparticuz/chromium` binary is a chrome-headless-shell build and accepts it as well.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
] as const;

/**
 * Finds the browser for `npm run test:browser`: `CHROME_PATH` if set, else the first system
 * Chrome/Chromium found, else the headless Chromium shipped inside the `@sparticuz/chromium`
 * npm package (unpacked to `os.tmpdir()/chromium` on first use, reused afterwards).
 *
 * @example
 * const { executablePath, source } = await findChromium();
 * console.log(`browser tests use ${executablePath} (${source})`);
 */
export async function findChromium(
  environment: NodeJS.ProcessEnv = process.env,
): Promise<ChromiumBinary> {
  const fromEnvironment = environment['CHROME_PATH'];
  if (fromEnvironment) {
    if (!existsSync(fromEnvironment)) {
      throw new Error(`CHROME_PATH is set to ${fromEnvironment}, but no file exists there`);
    }
    return { executablePath: fromEnvironment, source: 'CHROME_PATH' };
  }
  const systemPath = SYSTEM_CHROMIUM_PATHS.find((candidate) => existsSync(candidate));
  if (systemPath) {
    return { executablePath: systemPath, source: 'system' };
  }
  const { default: sparticuzChromium } = await import('@sparticuz/chromium');
  return {
    executablePath: await sparticuzChromium.executablePath(),
    source: '@sparticuz/chromium',
  };
}
