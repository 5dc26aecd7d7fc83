/**
 * A tour of the widget's looks, end to end: the real server (in-process, in-memory PGlite,
 * offline personas) serving the built widget and the company demo page, in headless Chromium.
 * Each state is checked with axe-core (0 violations) and written to docs/screenshots/widget-*.png
 * (docs/architecture.md §11): the first open of an empty room, three agents streaming in the
 * 380×600 panel and on a 390×844 phone, a regenerated reply with its version switcher, dark mode,
 * and a host page whose stylesheet is hostile to embedded widgets.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { HOSTILE_HOST_CSS } from '../../widget/test-support/hostile-host.ts';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { pageAxeViolations } from '../helpers/page-axe.ts';
import { throwawayConfig } from '../helpers/throwaway-config.ts';

const SCREENSHOTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../docs/screenshots',
);
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** Slow enough that three replies are still streaming when the picture is taken. */
const TOKENS_PER_SECOND = '6';
const SETTLE = { timeout: 30_000, interval: 100 };

const PANEL = '[part~="panel"]';
const INPUT = '[part~="input"]';
const AGENT = '[part~="message--agent"]';
/** The ‹ n/m › switcher between a reply's versions. */
const VERSION_SWITCHER = '[part~="message__versions"]';

let server: RunningServer;
let browser: Browser;
let removeDataDir: (() => Promise<void>) | undefined;
const contexts: BrowserContext[] = [];

async function newPage(
  options: { viewport?: typeof DESKTOP; colorScheme?: 'light' | 'dark'; isMobile?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.colorScheme ?? 'light',
    isMobile: options.isMobile ?? false,
    hasTouch: options.isMobile ?? false,
    reducedMotion: 'reduce',
    locale: 'en-US',
    timezoneId: 'UTC',
    // axe and the hostile stylesheet are added by the test, not by the page's strict CSP.
    bypassCSP: true,
  });
  contexts.push(context);
  return context.newPage();
}

/** The company page with its launcher open, in a fresh (empty) support conversation. */
async function openCompany(page: Page, hostileCss?: string): Promise<void> {
  await page.goto(`${server.url}/demo/company.html`);
  if (hostileCss) await page.addStyleTag({ content: hostileCss });
  await page.locator('[part~="launcher"]').click();
  await page.locator(INPUT).waitFor();
  await expect.poll(() => page.locator('[part~="banner"]').count(), SETTLE).toBe(0);
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator(INPUT).fill(text);
  await page.locator(INPUT).press('Enter');
}

/** Waits until `count` agents are streaming at once, each with some text. */
async function streaming(page: Page, count: number): Promise<void> {
  await expect
    .poll(
      () =>
        page
          .locator(`${AGENT}.message--streaming [part~="md-root"]`)
          .evaluateAll((roots) => roots.filter((root) => root.textContent!.trim()).length),
      SETTLE,
    )
    .toBeGreaterThanOrEqual(count);
}

async function screenshot(page: Page, name: string, clip?: 'panel'): Promise<void> {
  const options = {
    path: path.join(SCREENSHOTS, name),
    animations: 'disabled' as const,
    caret: 'hide' as const,
    scale: 'css' as const,
  };
  if (clip) await page.locator(PANEL).screenshot(options);
  else await page.screenshot(options);
}

describe(
  'the widget tour in a real browser',
  { sequential: true, shuffle: false, timeout: 60_000 },
  () => {
    beforeAll(async () => {
      const throwaway = await throwawayConfig({
        CHORUS_OFFLINE_TOKENS_PER_SECOND: TOKENS_PER_SECOND,
      });
      removeDataDir = throwaway.removeDataDir;
      const [sql, { executablePath }] = await Promise.all([
        openTestPGlite(),
        findChromium(),
        mkdir(SCREENSHOTS, { recursive: true }),
      ]);
      server = await startServer(throwaway.config, { serveWidget: true, sql });
      browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
    }, 120_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await server?.close();
      await removeDataDir?.();
    }, 30_000);

    it('first open of an empty room: a floating panel with the welcome and the composer', async () => {
      const page = await newPage();
      await openCompany(page);
      await expect(page.locator(AGENT).count()).resolves.toBe(0);
      const box = (await page.locator(PANEL).boundingBox())!;
      expect([box.width, box.height]).toEqual([380, 600]);
      expect(await page.locator(PANEL).evaluate((panel) => panel.matches(':modal'))).toBe(false);
      expect(await pageAxeViolations(page)).toEqual([]);
      await screenshot(page, 'widget-empty-room.png');
    });

    it('three agents streaming at once in the 380×600 panel', async () => {
      const page = await newPage();
      await openCompany(page);
      await send(page, 'Hello everyone! Which bike suits a 10 km commute with a hill?');
      await streaming(page, 3);
      expect(await pageAxeViolations(page)).toEqual([]);
      await screenshot(page, 'widget-three-agents-380.png', 'panel');
    });

    it('three agents streaming on a 390×844 phone: a full-screen modal dialog over a locked page', async () => {
      const page = await newPage({ viewport: PHONE, isMobile: true });
      await openCompany(page);
      const panel = page.locator(PANEL);
      expect(await panel.evaluate((element) => element.matches(':modal'))).toBe(true);
      expect(await page.evaluate(() => document.documentElement.style.overflow)).toBe('hidden');
      const box = (await panel.boundingBox())!;
      expect([box.x, box.y, box.width, box.height]).toEqual([0, 0, PHONE.width, PHONE.height]);
      expect(await page.locator(INPUT).evaluate((input) => getComputedStyle(input).fontSize)).toBe(
        '16px',
      );
      await send(page, 'Hello everyone! Which bike fits in a small flat?');
      await streaming(page, 3);
      // Tab stays in the dialog: it never reaches the page's links behind it.
      for (let press = 0; press < 15; press++) {
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.localName)).not.toBe('a');
      }
      expect(await pageAxeViolations(page)).toEqual([]);
      await screenshot(page, 'widget-three-agents-phone.png');
    });

    it('dark mode, from the OS preference', async () => {
      const page = await newPage({ colorScheme: 'dark' });
      await openCompany(page);
      expect(
        await page.locator(PANEL).evaluate((panel) => getComputedStyle(panel).backgroundColor),
      ).toBe('rgb(21, 23, 28)');
      await send(page, 'Hi! Do you have **cargo bikes**? A table of prices would help.');
      await streaming(page, 2);
      expect(await pageAxeViolations(page)).toEqual([]);
      await screenshot(page, 'widget-dark.png');
    });

    it('a host page whose stylesheet is hostile: its inherited styles stop at the widget', async () => {
      const page = await newPage();
      await openCompany(page, HOSTILE_HOST_CSS);
      await send(page, 'Hello, what does the Commuter 8 cost?');
      await streaming(page, 1);
      const own = page.locator('[part~="message--own"] [part~="md-paragraph"]').first();
      expect(
        await own.evaluate((element) => {
          const style = getComputedStyle(element);
          return [style.textTransform, style.letterSpacing, style.fontStyle, style.whiteSpace];
        }),
      ).toEqual(['none', 'normal', 'normal', 'normal']);
      expect(await pageAxeViolations(page)).toEqual([]);
      await screenshot(page, 'widget-hostile-host.png');
    });

    it('a regenerated reply with its version switcher', async () => {
      const page = await newPage();
      await openCompany(page);
      await send(page, '@sage which bike for a steep hill?');
      const reply = page.locator(`${AGENT}.message--complete`).first();
      await reply.waitFor({ timeout: SETTLE.timeout });
      await reply.getByRole('button', { name: /regenerate/i }).click();
      const switcher = page.locator(VERSION_SWITCHER).first();
      await switcher.waitFor({ timeout: SETTLE.timeout });
      await expect.poll(() => page.locator(`${AGENT}.message--streaming`).count(), SETTLE).toBe(0);
      // One bubble in place of the first version, showing the new one of two.
      await expect.poll(() => switcher.textContent(), SETTLE).toContain('2/2');
      expect(await pageAxeViolations(page)).toEqual([]);
      await screenshot(page, 'widget-regenerated.png', 'panel');
    });
  },
);
