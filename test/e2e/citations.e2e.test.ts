/**
 * End to end (issue 16): on the Northwind demo page a visitor asks which bike suits a hilly
 * commute, and the keyless answer comes with citation chips (docs/architecture.md §12) linking to
 * the page its knowledge document names (`demo/knowledge/bikes/*.md`, `url: /demo/company.html#bikes`).
 * The real server (in-process, in-memory PGlite, offline personas) and the built widget in a
 * headless Chromium; axe-core finds nothing in that state, written to docs/screenshots/citations.png.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/start-server.ts';
import { DEMO_DIR } from '../../server/widget-build.ts';
import { startDemoInBrowser, type DemoInBrowser } from '../helpers/demo-browser.ts';
import { pageAxeViolations } from '../helpers/page-axe.ts';

const SCREENSHOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../docs/screenshots/citations.png',
);
const SETTLE = { timeout: 30_000, interval: 100 };
const INPUT = '[part~="input"]';
const CHIP = '[part~="message--agent"].message--complete [part~="citation"]';

let server: RunningServer;
let browser: Browser;
let demo: DemoInBrowser | undefined;

describe('citations on the demo page', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    demo = await startDemoInBrowser({ CHORUS_OFFLINE_TOKENS_PER_SECOND: '200' });
    ({ server, browser } = demo);
  }, 120_000);

  afterAll(() => demo?.close(), 30_000);

  it('answers the hilly commute with a chip that links to the bikes on the Northwind page', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      reducedMotion: 'reduce',
      locale: 'en-US',
      timezoneId: 'UTC',
      bypassCSP: true, // for axe, added by the test
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/company.html`);
    await page.locator('[part~="launcher"]').click();
    await page.locator(INPUT).waitFor();
    await expect.poll(() => page.locator('[part~="banner"]').count(), SETTLE).toBe(0);
    await page.locator(INPUT).fill('Which bike for a 10 km commute with hills?');
    await page.locator(INPUT).press('Enter');

    // Every reply has ended, and at least one cites the bikes.
    await expect
      .poll(() => page.locator('[part~="message--agent"].message--streaming').count(), SETTLE)
      .toBe(0);
    await expect.poll(() => page.locator(CHIP).count(), SETTLE).toBeGreaterThan(0);
    const chips = await page.locator(CHIP).evaluateAll((found) =>
      found.map((chip) => ({
        title: chip.textContent ?? '',
        href: (chip as HTMLAnchorElement).href,
        target: chip.getAttribute('target'),
        quote: chip.getAttribute('title') ?? '',
      })),
    );
    const bikes = chips.find((chip) => /^Commuter 8/.test(chip.title));
    expect(bikes, JSON.stringify(chips)).toBeDefined();
    // The document's front matter names the page, and the page exists with that section.
    const document = await readFile(
      path.join(
        DEMO_DIR,
        'knowledge/bikes',
        /Commuter 8 E/.test(bikes!.title) ? 'commuter-8-e.md' : 'commuter-8.md',
      ),
      'utf8',
    );
    expect(document).toMatch(/^url: \/demo\/company\.html#bikes$/m);
    expect(bikes!.href).toBe(`${server.url}/demo/company.html#bikes`);
    expect(bikes!.target).toBeNull(); // the site's own page opens in place
    expect(bikes!.quote).toMatch(/hill|commute/i);
    expect((await fetch(`${server.url}/demo/company.html`)).status).toBe(200);

    expect(await pageAxeViolations(page)).toEqual([]);
    await page.locator(CHIP).first().scrollIntoViewIfNeeded();
    await page.locator('[part~="panel"]').screenshot({
      path: SCREENSHOT,
      animations: 'disabled',
      caret: 'hide',
      scale: 'css',
    });

    // Following it leads to the bikes on the page.
    await page.locator(CHIP).filter({ hasText: bikes!.title }).first().click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#bikes');
    expect(page.url()).toBe(`${server.url}/demo/company.html#bikes`);
    await expect(page.locator('#bikes h2').textContent()).resolves.toBe('Bikes');
    // … where the bike it names has its card.
    const bike = bikes!.title.split(' › ')[0]!;
    await expect(page.locator('#bikes .card h3').allTextContents()).resolves.toContain(bike);
    await context.close();
  });
});
