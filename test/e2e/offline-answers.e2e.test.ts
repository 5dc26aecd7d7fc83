/**
 * End to end: on the demo company page, the keyless offline personas answer a visitor's question
 * with Markdown the widget renders as real lists and tables (issue 13, finding 12), Scout from
 * the demo site's knowledge with its sources as citation chips (issue 16): the real
 * server (in-process, in-memory PGlite) and the built widget in a headless Chromium.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/start-server.ts';
import { startDemoInBrowser, type DemoInBrowser } from '../helpers/demo-browser.ts';

const SETTLE = { timeout: 20_000, interval: 100 };
const AGENT = '[part~="message--agent"]';
const INPUT = '[part~="input"]';

let server: RunningServer;
let browser: Browser;
let demo: DemoInBrowser | undefined;

/** Opens the company page's launcher and waits until the widget has joined its room. */
async function openCompany(page: Page): Promise<void> {
  await page.addInitScript(() => {
    document.addEventListener(
      'chorus-ready',
      () => ((window as unknown as { __chorusReady: boolean }).__chorusReady = true),
      true,
    );
  });
  await page.goto(`${server.url}/demo/company.html`);
  const launcher = page.locator('[part~="launcher"]');
  await launcher.waitFor();
  if ((await launcher.getAttribute('aria-expanded')) !== 'true') await launcher.click();
  await page.locator(INPUT).waitFor();
  await page.waitForFunction(
    () => (window as unknown as { __chorusReady?: boolean }).__chorusReady === true,
    undefined,
    { timeout: 15_000 },
  );
}

describe('offline answers in a real browser', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    demo = await startDemoInBrowser({ CHORUS_OFFLINE_TOKENS_PER_SECOND: '200' });
    ({ server, browser } = demo);
  }, 120_000);

  afterAll(() => demo?.close(), 30_000);

  it('the bike question gets replies rendered as a list and a table, naming the distance and the hills', async () => {
    const context = await browser.newContext({ reducedMotion: 'reduce', locale: 'en-US' });
    const page = await context.newPage();
    await openCompany(page);
    const input = page.locator(INPUT).first();
    await input.fill('Which bike suits a 10 km commute with hills?');
    await input.press('Enter');

    const finished = page.locator(`${AGENT}.message--complete`);
    await expect.poll(() => finished.count(), SETTLE).toBeGreaterThanOrEqual(3);
    const lists = finished.locator('ul[part~="md-list"] > li, ol[part~="md-list"] > li');
    const tableRows = finished.locator('table[part~="md-table"] tbody tr');
    expect(await lists.count()).toBeGreaterThanOrEqual(3);
    expect(await tableRows.count()).toBeGreaterThanOrEqual(2);
    const text = (await finished.allTextContents()).join('\n');
    expect(text).toMatch(/10 km/);
    expect(text).toMatch(/hills?/i);
    // Scout looked it up in the demo site's knowledge (demo/knowledge) and cites it (a chip).
    expect(text).toMatch(/Commuter 8/);
    const cited = await finished.locator('[part~="citation"]').allTextContents();
    expect(cited.some((title) => title.startsWith('Commuter 8'))).toBe(true);
    // No Markdown syntax left over as text: the table's pipes became cells.
    expect(text).not.toMatch(/\| --- \|/);
    await context.close();
  });
});
