/**
 * End to end, the loader at /chorus.js (docs/architecture.md §10, "Widget delivery"; issue 15's
 * must-show 2): the real server serving the built widget and the demo pages to a headless
 * Chromium. A fresh visitor on the launcher page opens no WebSocket and calls no API until they
 * open the launcher; one click then loads, opens and connects the chat. A visitor who has a
 * conversation gets the widget at once after a reload, with the unread badge of the replies
 * they have not seen. An inline chat connects at once.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/start-server.ts';
import { startDemoInBrowser, type DemoInBrowser } from '../helpers/demo-browser.ts';

const SETTLE = { timeout: 20_000, interval: 100 };
const LAUNCHER = '[part~="launcher"]';
const INPUT = '[part~="input"]';
const AGENT = '[part~="message--agent"]';
const FINISHED_AGENT = `${AGENT}:not(.message--streaming)`;
/** How long a page is left alone to show that nothing connects by itself. */
const IDLE_MS = 1_500;

let server: RunningServer;
let browser: Browser;
let demo: DemoInBrowser | undefined;
const contexts: BrowserContext[] = [];

/** What a page asked of the network: WebSockets, API calls, widget scripts; and what went wrong. */
interface Traffic {
  sockets: string[];
  api: string[];
  scripts: string[];
  problems: string[];
}

function watch(page: Page): Traffic {
  const traffic: Traffic = { sockets: [], api: [], scripts: [], problems: [] };
  page.on('websocket', (socket) => traffic.sockets.push(socket.url()));
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/')) traffic.api.push(`${request.method()} ${pathname}`);
    if (request.resourceType() === 'script') traffic.scripts.push(pathname);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || /content security policy/i.test(message.text()))
      traffic.problems.push(message.text());
  });
  page.on('pageerror', (error) => traffic.problems.push(`pageerror: ${error.message}`));
  return traffic;
}

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    reducedMotion: 'reduce',
    locale: 'en-US',
  });
  contexts.push(context);
  return context;
}

describe('the loader at /chorus.js', { sequential: true, timeout: 60_000 }, () => {
  beforeAll(async () => {
    demo = await startDemoInBrowser({ CHORUS_OFFLINE_TOKENS_PER_SECOND: '200' });
    ({ server, browser } = demo);
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await demo?.close();
  }, 30_000);

  it('a fresh visitor connects nothing until they open the launcher; one click opens a working chat', async () => {
    const page = await (await newContext()).newPage();
    const traffic = watch(page);
    await page.goto(`${server.url}/demo/company.html`);
    const launcher = page.locator(LAUNCHER);
    await expect.poll(() => launcher.getAttribute('aria-label'), SETTLE).toBe('Open chat');
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(IDLE_MS);
    expect(traffic.sockets, 'no WebSocket before the click').toEqual([]);
    expect(traffic.api, 'no API call before the click').toEqual([]);
    expect(traffic.scripts, 'only the loader').toEqual(['/chorus.js']);
    // The stand-in looks like the launcher: the accent colour, 56 px, in the corner.
    const box = await launcher.boundingBox();
    expect(box).toMatchObject({ width: 56, height: 56, x: 1280 - 20 - 56, y: 800 - 20 - 56 });
    expect(await launcher.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe(
      'rgb(67, 56, 202)',
    );

    const standIn = await launcher.screenshot({ animations: 'disabled' });

    await launcher.click();
    await page.locator(INPUT).waitFor({ timeout: 15_000 });
    expect(traffic.scripts.some((script) => /^\/chorus\/chorus\.[\w-]{8}\.js$/.test(script))).toBe(
      true,
    );
    await expect.poll(() => traffic.sockets.length, SETTLE).toBeGreaterThan(0);
    expect(traffic.api).toContain('POST /api/session');
    await expect.poll(() => launcher.getAttribute('aria-expanded'), SETTLE).toBe('true');
    expect(await page.locator(LAUNCHER).count(), 'one launcher, the stand-in replaced').toBe(1);

    // Closed again, unfocused and not hovered, the real launcher is the stand-in, pixel for pixel.
    await page.keyboard.press('Escape');
    await page.mouse.click(200, 400);
    await expect.poll(() => launcher.getAttribute('aria-expanded')).toBe('false');
    expect((await launcher.screenshot({ animations: 'disabled' })).equals(standIn)).toBe(true);
    await launcher.click();
    await page.locator(INPUT).waitFor();

    await page.locator(INPUT).fill('Hello, do you repair hub gears?');
    await page.locator(INPUT).press('Enter');
    await expect.poll(() => page.locator(FINISHED_AGENT).count(), SETTLE).toBeGreaterThan(0);
    expect(traffic.problems).toEqual([]);
  });

  it('a returning visitor with a conversation gets the widget at once and the badge of the replies they did not see', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/company.html`);
    await page.locator(LAUNCHER).click();
    await page.locator(INPUT).waitFor({ timeout: 15_000 });
    await page.locator(INPUT).fill('What does a Commuter 8 weigh?');
    await page.locator(INPUT).press('Enter');
    // Closed at once: the replies arrive while the visitor is away.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(LAUNCHER).getAttribute('aria-expanded')).toBe('false');
    // Every agent answers in a support room: wait until the replies are finished.
    const badge = page.locator('[part~="unread-badge"]');
    await expect.poll(() => badge.textContent(), SETTLE).toMatch(/^[1-9]\d*$/);
    let unread = 0;
    for (let previous = -1; unread !== previous; await page.waitForTimeout(IDLE_MS)) {
      previous = unread;
      unread = Number(await badge.textContent());
    }

    const traffic = watch(page);
    await page.reload();
    await expect.poll(() => traffic.sockets.length, SETTLE).toBeGreaterThan(0);
    expect(traffic.api).toContain('POST /api/session');
    await expect.poll(() => badge.textContent(), SETTLE).toBe(String(unread));
    expect(await page.locator(LAUNCHER).getAttribute('aria-label')).toBe(
      `Open chat, ${unread} unread`,
    );
    expect(await page.locator(LAUNCHER).getAttribute('aria-expanded')).toBe('false');
    // Opening reads them; the next reload shows no badge.
    await page.locator(LAUNCHER).click();
    await page.locator(INPUT).waitFor();
    await page.keyboard.press('Escape');
    await page.reload();
    await page.waitForLoadState('networkidle');
    await expect.poll(() => traffic.sockets.length, SETTLE).toBeGreaterThan(1);
    await page.waitForTimeout(IDLE_MS);
    expect(await badge.count()).toBe(0);
    expect(traffic.problems).toEqual([]);
  });

  it('a page with inline chats connects at once, with no click', async () => {
    const page = await (await newContext()).newPage();
    const traffic = watch(page);
    await page.goto(`${server.url}/demo/shared-room.html`);
    await expect.poll(() => traffic.sockets.length, SETTLE).toBeGreaterThan(0);
    await expect
      .poll(() => traffic.api.filter((call) => call === 'POST /api/session').length, SETTLE)
      .toBe(2);
    await page.locator(INPUT).first().waitFor();
    expect(traffic.problems).toEqual([]);
  });
});
