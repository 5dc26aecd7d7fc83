/**
 * End to end: seed 000's live dashboard (`demo/dashboard/`: its React ChatWindow on supabase-js,
 * adapted only in table and column names) served by the real server and driven in a headless
 * Chromium: the first load through `from('messages').select()`, live rows through
 * `postgres_changes`, under the demo pages' strict Content-Security-Policy.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionResponseSchema } from '../../protocol/schemas/rest.ts';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { throwawayConfig } from '../helpers/throwaway-config.ts';

const ROOM = 'shared';
const SETTLE = { timeout: 20_000, interval: 100 };

let server: RunningServer;
let browser: Browser;
let removeDataDir: (() => Promise<void>) | undefined;

/** The room's messages as the database has them, oldest first. */
async function persisted() {
  return (await server.store.transcript.listMessages(ROOM, { limit: 200 })).messages;
}

/** The dashboard's bubbles: their text and whether they show the streaming "...". */
async function shown(page: Page) {
  return page.locator('[role="log"] > div').evaluateAll((elements) =>
    elements.map((element) => ({
      text: element.textContent ?? '',
      streaming: element.querySelector('.animate-pulse') !== null,
    })),
  );
}

describe('the seed 000 dashboard page', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const throwaway = await throwawayConfig({ CHORUS_OFFLINE_TOKENS_PER_SECOND: '40' });
    removeDataDir = throwaway.removeDataDir;
    const [sql, { executablePath }] = await Promise.all([openTestPGlite(), findChromium()]);
    server = await startServer(throwaway.config, { serveWidget: true, sql });
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await removeDataDir?.();
  }, 30_000);

  it('loads what the room said before, then shows a post and the streaming replies live', async () => {
    const session = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: ROOM, name: 'Ada' }),
    }).then(async (response) => sessionResponseSchema.parse(await response.json()));
    await fetch(`${server.url}/api/rooms/${ROOM}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({
        id: crypto.randomUUID(),
        content: 'Said before the dashboard opened',
      }),
    });
    await expect
      .poll(
        async () => (await persisted()).some((message) => message.author.kind === 'agent'),
        SETTLE,
      )
      .toBe(true);

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /content security policy/i.test(message.text()))
        problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${server.url}/demo/dashboard/?room=${ROOM}`);

    // The first load: the earlier post and the replies it had, in order.
    await expect
      .poll(async () => (await shown(page))[0]?.text, SETTLE)
      .toBe('Said before the dashboard opened');

    const before = (await persisted()).length;
    await page.getByRole('textbox', { name: 'Message' }).fill('Which bike for a 10 km commute?');
    await page.getByRole('button', { name: 'Send' }).click();

    // Live: the post (an INSERT), a reply while it streams, and every row as it ended (UPDATEs).
    await expect
      .poll(async () => (await shown(page)).some((bubble) => bubble.streaming), SETTLE)
      .toBe(true);
    await expect
      .poll(async () => {
        const messages = await persisted();
        const settled =
          messages.length > before + 1 &&
          messages.every((message) => message.status !== 'streaming');
        return settled ? messages.map((message) => message.content) : null;
      }, SETTLE)
      .not.toBeNull();
    const messages = await persisted();
    expect(messages[before]?.content).toBe('Which bike for a 10 km commute?');
    await expect
      .poll(async () => (await shown(page)).map((bubble) => bubble.text), SETTLE)
      .toEqual(messages.map((message) => message.content));
    expect(problems).toEqual([]);
  });
});
