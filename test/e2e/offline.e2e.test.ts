/**
 * Nothing a visitor read or wrote is lost when the server goes away (docs/architecture.md §3,
 * "Offline and restarts"): the real server as its own process (real Postgres) serving the built
 * widget's demo page in a headless Chromium; the process is killed (`kill -9`) while agents
 * stream, then started again on the same port.
 * - the text each reply had shown is still shown after the reconnect, and after recovery ends
 *   the replies `interrupted`;
 * - while the server is down, presence says nobody's status is known; a message sent then is
 *   "Not sent", and goes again by itself on reconnect, stored once (same id);
 * - once back, presence is as heard again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startChorusChild, type ChorusChild } from '../helpers/chorus-process.ts';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium.ts';
import { openTestPostgres } from '../helpers/databases.ts';

const AGENT = '[part~="message--agent"]';
const INPUT = '[part~="input"]';
const PRESENCE = '[part~="presence"]';
const WAIT = { timeout: 40_000, interval: 100 };

let browser: Browser;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  const { executablePath } = await findChromium();
  browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await browser?.close();
}, 30_000);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Letters and digits only: rendered Markdown keeps the words, not the syntax. */
const normalize = (text: string): string => text.replace(/[^\p{L}\p{N}]+/gu, '').toLowerCase();

async function agentReplies(
  page: Page,
): Promise<Array<{ id: string; status: string; text: string }>> {
  return page.locator(AGENT).evaluateAll((elements) =>
    elements.map((element) => ({
      id: (element as HTMLElement).dataset['id'] ?? '',
      status:
        [...element.classList]
          .find((name) => /^message--(streaming|complete|cancelled|error|interrupted)$/.test(name))
          ?.slice('message--'.length) ?? '',
      text: element.querySelector('[part~="message__content"]')?.textContent ?? '',
    })),
  );
}

it('keeps the text it showed across a server crash, resends what was sent while down, and says presence is unknown meanwhile', async () => {
  const database = await openTestPostgres({ max: 2 });
  cleanups.push(() => database.sql.close());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-offline-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const env = {
    PORT: String(await freePort()),
    DATABASE_URL: database.url,
    CHORUS_DATA_DIR: dataDir,
    CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
    CHORUS_LOG_LEVEL: 'warn',
    // Slow replies: still streaming when the process dies.
    CHORUS_OFFLINE_TOKENS_PER_SECOND: '15',
    CHORUS_TEST_SERVE_WIDGET: '1',
  };
  const children: ChorusChild[] = [];
  cleanups.push(() => Promise.all(children.map((child) => child.kill9())));
  const first = await startChorusChild(env);
  children.push(first);

  const context = await browser.newContext({ locale: 'en-US', reducedMotion: 'reduce' });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  await page.goto(`${first.url}/demo/company.html`);
  const launcher = page.locator('[part~="launcher"]');
  await launcher.waitFor();
  if ((await launcher.getAttribute('aria-expanded')) !== 'true') await launcher.click();
  const input = page.locator(INPUT);
  await input.waitFor();
  await expect.poll(() => page.locator(PRESENCE).textContent(), WAIT).toMatch(/available/);

  await input.fill('Tell me about the history of coffee.');
  await input.press('Enter');
  await expect
    .poll(async () => {
      const streaming = (await agentReplies(page)).filter((reply) => reply.status === 'streaming');
      return streaming.filter((reply) => normalize(reply.text).length > 40).length;
    }, WAIT)
    .toBeGreaterThanOrEqual(1);

  await first.kill9();
  // What the page showed at the moment the server died (nothing more can arrive now).
  const seen = new Map(
    (await agentReplies(page)).map((reply) => [reply.id, normalize(reply.text)]),
  );
  expect([...seen.values()].some((text) => text.length > 40)).toBe(true);

  // Down: nobody's status is known, and a message sent now is not sent.
  await expect.poll(() => page.locator(PRESENCE).textContent(), WAIT).toMatch(/status unknown/);
  expect(await page.locator(PRESENCE).textContent()).not.toMatch(/available/);
  const offline = `Sent while the server was down ${randomBytes(3).toString('hex')}`;
  await input.fill(offline);
  await input.press('Enter');
  const ownBubble = page.locator('[part~="message--own"]', { hasText: offline });
  await expect.poll(() => ownBubble.textContent(), WAIT).toMatch(/Not sent/);

  const second = await startChorusChild(env);
  children.push(second);
  // Back: the message goes by itself, stored once; presence is heard again.
  await expect.poll(() => ownBubble.textContent(), WAIT).not.toMatch(/Not sent|Sending/);
  await expect.poll(() => page.locator(PRESENCE).textContent(), WAIT).not.toMatch(/status unknown/);
  const stored = await database.sql.query<{ count: string }>(
    'select count(*)::text as count from messages where content = $1',
    [offline],
  );
  expect(stored.rows[0]?.count).toBe('1');

  // Every reply still shows at least what it showed, now and once recovery has ended it.
  const keptEverything = async () => {
    const shown = new Map((await agentReplies(page)).map((reply) => [reply.id, reply]));
    return [...seen].every(([id, text]) => normalize(shown.get(id)?.text ?? '').startsWith(text));
  };
  expect(await keptEverything()).toBe(true);
  await expect
    .poll(async () => {
      const shown = await agentReplies(page);
      const ended = [...seen.keys()].every((id) =>
        ['interrupted', 'complete'].includes(shown.find((reply) => reply.id === id)?.status ?? ''),
      );
      return ended && (await keptEverything());
    }, WAIT)
    .toBe(true);
}, 120_000);
