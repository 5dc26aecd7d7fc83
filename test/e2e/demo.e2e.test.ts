/**
 * End to end: the real server (in-process, port 0, in-memory PGlite, offline personas) serving the
 * built widget and the demo pages, driven by a headless Chromium through playwright-core.
 * It also writes the README's screenshots into docs/screenshots/ (so they always come from here).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../protocol/room.ts';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { throwawayConfig } from '../helpers/throwaway-config.ts';

const SCREENSHOTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../docs/screenshots',
);
const VIEWPORT = { width: 1280, height: 800 };
const TALL_VIEWPORT = { width: 1280, height: 960 };
const ROOM = 'northwind';
/** Generous: three offline replies at 80 tokens/s take a few seconds. */
const SETTLE = { timeout: 20_000, interval: 100 };

const MESSAGE = '[part~="message"]';
const AGENT = '[part~="message--agent"]';
const STREAMING_AGENT = `${AGENT}.message--streaming`;
const INPUT = '[part~="input"]';

interface Bubble {
  id: string;
  className: string;
  text: string;
}

interface Problems {
  csp: string[];
  errors: string[];
}

let server: RunningServer;
let browser: Browser;
let removeDataDir: (() => Promise<void>) | undefined;
const contexts: BrowserContext[] = [];
const problems = new WeakMap<Page, Problems>();

/** Letters and digits only: Markdown syntax and whitespace do not survive rendering the same way. */
const normalize = (text: string): string => text.replace(/[^\p{L}\p{N}]+/gu, '').toLowerCase();

async function newPage(): Promise<Page> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    reducedMotion: 'reduce',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  contexts.push(context);
  await context.addInitScript(() => {
    const record = window as unknown as { __chorusCsp: string[]; __chorusReady: number };
    record.__chorusCsp = [];
    record.__chorusReady = 0;
    document.addEventListener(
      'securitypolicyviolation',
      (event) => record.__chorusCsp.push(`${event.violatedDirective} ${event.blockedURI}`),
      true,
    );
    document.addEventListener('chorus-ready', () => (record.__chorusReady += 1), true);
  });
  const page = await context.newPage();
  const seen: Problems = { csp: [], errors: [] };
  problems.set(page, seen);
  page.on('console', (message) => {
    if (/content security policy/i.test(message.text())) seen.csp.push(message.text());
    else if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(`pageerror: ${error.message}`));
  return page;
}

/** Waits until every `<chorus-chat>` on the page has joined its room (`chorus-ready`). */
async function waitReady(page: Page, widgets = 1): Promise<void> {
  await page.waitForFunction(
    (count) => (window as unknown as { __chorusReady: number }).__chorusReady >= count,
    widgets,
    { timeout: 15_000 },
  );
}

/** Opens /demo/company.html and its launcher; resolves once the widget is in the room. */
async function openCompany(page: Page, reload = false): Promise<void> {
  if (reload) await page.reload();
  else await page.goto(`${server.url}/demo/company.html`);
  const launcher = page.locator('[part~="launcher"]');
  await launcher.waitFor();
  if ((await launcher.getAttribute('aria-expanded')) !== 'true') await launcher.click();
  await page.locator(INPUT).waitFor();
  await waitReady(page);
}

async function send(page: Page, text: string, scope = ''): Promise<void> {
  const input = page.locator(`${scope} ${INPUT}`.trim()).first();
  await input.fill(text);
  await input.press('Enter');
}

async function bubbles(page: Page, scope = ''): Promise<Bubble[]> {
  return page.locator(`${scope} ${MESSAGE}`.trim()).evaluateAll((elements) =>
    elements.map((element) => ({
      id: (element as HTMLElement).dataset['id'] ?? '',
      className: element.className,
      text: (element.querySelector('[part~="message__content"]') ?? element).textContent ?? '',
    })),
  );
}

/**
 * The support conversation the company page's widget is in: the `room` claim of the room token it
 * keeps in sessionStorage (the company page is a support room: each visitor has their own).
 */
async function conversationOf(page: Page): Promise<string> {
  const room = await page.evaluate(() => {
    for (let index = 0; index < sessionStorage.length; index += 1) {
      const key = sessionStorage.key(index) ?? '';
      if (!key.startsWith('chorus:session:')) continue;
      const payload = (sessionStorage.getItem(key) ?? '').split('.')[1] ?? '';
      const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as {
        room?: string;
      };
      return claims.room ?? null;
    }
    return null;
  });
  expect(room).toBeTruthy();
  const conversation = await server.store.rooms.getRoom(room!);
  expect(conversation?.parentId).toBe(ROOM);
  return room!;
}

async function persisted(room: string): Promise<Message[]> {
  return (await server.store.transcript.listMessages(room, { limit: 200 })).messages;
}

/** The room is quiet: at least `agentReplies` agent messages persisted, none streaming. */
async function settled(room: string, agentReplies: number): Promise<Message[]> {
  let messages: Message[] = [];
  await expect
    .poll(async () => {
      messages = await persisted(room);
      const agents = messages.filter((message) => message.author.kind === 'agent');
      return (
        agents.length >= agentReplies && agents.every((message) => message.status !== 'streaming')
      );
    }, SETTLE)
    .toBe(true);
  return messages;
}

/** The page's transcript equals the database's: same messages, same order, same status, same text. */
async function expectTranscriptMatches(
  page: Page,
  messages: readonly Message[],
  scope = '',
): Promise<void> {
  const ids = (list: readonly { id: string }[]) => list.map((item) => item.id).join(',');
  await expect.poll(async () => ids(await bubbles(page, scope)), SETTLE).toBe(ids(messages));
  // Statuses settle live (the end event may land a moment after the row is written).
  await expect
    .poll(
      async () => (await bubbles(page, scope)).map((bubble) => statusOf(bubble.className)),
      SETTLE,
    )
    .toEqual(messages.map((message) => message.status));
  await expect
    .poll(async () => {
      const shown = await bubbles(page, scope);
      return messages.every((message, index) => {
        const expected = normalize(message.content);
        const actual = normalize(shown[index]?.text ?? '');
        // The rendered Markdown keeps every word; links keep their text only, so compare a prefix.
        return (
          actual.includes(expected.slice(0, 40)) &&
          (expected.length === 0) === (actual.length === 0)
        );
      });
    }, SETTLE)
    .toBe(true);
}

/** The status class of a bubble (system notices carry none: they are complete). */
function statusOf(className: string): string {
  const statuses = ['streaming', 'complete', 'cancelled', 'error', 'interrupted'];
  return (
    className
      .split(/\s+/)
      .map((name) => name.replace(/^message--/, ''))
      .find((name) => statuses.includes(name)) ?? 'complete'
  );
}

function expectNoProblems(page: Page): void {
  const seen = problems.get(page)!;
  expect(seen.csp).toEqual([]);
  expect(seen.errors).toEqual([]);
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __chorusCsp: string[] }).__chorusCsp);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(SCREENSHOTS, name),
    animations: 'disabled',
    caret: 'hide',
    scale: 'css',
  });
}

describe(
  'the demo pages in a real browser',
  { sequential: true, shuffle: false, timeout: 45_000 },
  () => {
    beforeAll(async () => {
      const throwaway = await throwawayConfig({ CHORUS_OFFLINE_TOKENS_PER_SECOND: '80' });
      removeDataDir = throwaway.removeDataDir;
      const [sql, { executablePath }] = await Promise.all([
        openTestPGlite(),
        findChromium(),
        mkdir(SCREENSHOTS, { recursive: true }),
      ]);
      server = await startServer(throwaway.config, { serveWidget: true, sql });
      // The demo seeds the company room as a support room where every agent answers.
      expect((await server.store.rooms.getRoom(ROOM))?.settings).toMatchObject({
        kind: 'support',
        policy: 'all',
      });
      browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
    }, 120_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await server?.close();
      await removeDataDir?.();
    }, 30_000);

    it('two visitors each get a private conversation where three agents stream at once, and each transcript equals the database', async () => {
      const [ada, grace] = await Promise.all([newPage(), newPage()]);
      await Promise.all([openCompany(ada), openCompany(grace)]);
      const [adaRoom, graceRoom] = await Promise.all([conversationOf(ada), conversationOf(grace)]);
      expect(adaRoom).not.toBe(graceRoom);
      // Room for three replies at once in the screenshot: a taller window and panel (a documented
      // custom property, set through the CSSOM so the page's strict CSP allows it).
      await grace.setViewportSize(TALL_VIEWPORT);
      await grace
        .locator('chorus-chat')
        .evaluate((element: HTMLElement) =>
          element.style.setProperty('--chorus-panel-height', '820px'),
        );

      await send(
        ada,
        'Hello team, which bike would you recommend for a daily ten minute commute in the rain?',
      );
      await send(grace, 'Do you deliver to the islands, and how long does it take?');
      // Both people watch several replies stream at the same moment, each in their own conversation.
      await Promise.all(
        [ada, grace].map((page) =>
          expect
            .poll(() => page.locator(STREAMING_AGENT).count(), SETTLE)
            .toBeGreaterThanOrEqual(2),
        ),
      );
      // The README's picture: the launcher open mid-conversation, the three agents' replies on screen.
      const started = grace
        .locator(AGENT)
        .filter({ has: grace.locator('[part~="message__content"]', { hasText: /\w{3}/ }) });
      await expect.poll(() => started.count(), SETTLE).toBeGreaterThanOrEqual(3);
      await screenshot(grace, 'company-launcher.png');

      const [adaMessages, graceMessages] = await Promise.all([
        settled(adaRoom, 3),
        settled(graceRoom, 3),
      ]);
      for (const messages of [adaMessages, graceMessages]) {
        const replies = messages.filter((message) => message.author.kind === 'agent');
        expect(new Set(replies.map((reply) => reply.author.id)).size).toBe(3);
        expect(
          replies.every((reply) => reply.status === 'complete' && reply.content.length > 0),
        ).toBe(true);
      }
      await Promise.all([
        expectTranscriptMatches(ada, adaMessages),
        expectTranscriptMatches(grace, graceMessages),
      ]);
      // Ada's question is hers, and Grace never sees it.
      const question = adaMessages[0]!;
      expect((await bubbles(ada)).find((bubble) => bubble.id === question.id)?.className).toContain(
        'message--own',
      );
      expect((await bubbles(grace)).some((bubble) => bubble.id === question.id)).toBe(false);

      expectNoProblems(ada);
      expectNoProblems(grace);
    });

    it('a reload in the middle of a reply keeps the session and ends with the database transcript', async () => {
      const page = await newPage();
      await openCompany(page);
      const room = await conversationOf(page);
      await settled(room, 0);
      const before = await persisted(room);

      await send(page, 'Can the Cargo Long carry two children and a week of groceries at once?');
      await expect
        .poll(() => page.locator(STREAMING_AGENT).count(), SETTLE)
        .toBeGreaterThanOrEqual(1);
      const question = (await persisted(room))
        .slice(before.length)
        .find((message) => message.author.kind === 'human')!;
      expect(question).toBeDefined();

      // Reload while the replies are still being written.
      expect((await persisted(room)).some((message) => message.status === 'streaming')).toBe(true);
      await openCompany(page, true);
      // The same conversation after the reload.
      expect(await conversationOf(page)).toBe(room);
      const messages = await settled(
        room,
        before.filter((message) => message.author.kind === 'agent').length + 3,
      );
      await expectTranscriptMatches(page, messages);
      // sessionStorage kept the participant: the question is still this person's own.
      expect(
        (await bubbles(page)).find((bubble) => bubble.id === question.id)?.className,
      ).toContain('message--own');
      expectNoProblems(page);
    });

    it('Stop ends a streaming reply as cancelled with its partial text, in the database and on the page', async () => {
      const page = await newPage();
      await openCompany(page);
      const room = await conversationOf(page);
      await settled(room, 0);
      const agentsBefore = (await persisted(room)).filter(
        (message) => message.author.kind === 'agent',
      ).length;

      await send(page, 'Tell me everything about the Fold 3 please, in as much detail as you can.');
      // A reply with some text already shown.
      const streaming = page
        .locator(STREAMING_AGENT)
        .filter({ has: page.locator('[part~="message__content"]', { hasText: /\w{3}/ }) })
        .first();
      await streaming.waitFor({ timeout: 15_000 });
      const id = (await streaming.getAttribute('data-id'))!;
      await page.locator(`${MESSAGE}[data-id="${id}"] [part~="message__stop"]`).click();

      await expect
        .poll(async () => (await server.store.transcript.getMessage(id))?.status, SETTLE)
        .toBe('cancelled');
      const stopped = (await server.store.transcript.getMessage(id))!;
      expect(stopped.content.length).toBeGreaterThan(0);
      const bubble = page.locator(`${MESSAGE}[data-id="${id}"]`);
      await expect.poll(() => bubble.getAttribute('class'), SETTLE).toContain('message--cancelled');
      await expect
        .poll(
          async () =>
            (await bubble.locator('[part~="message__status"]').textContent())?.trim() ?? '',
          SETTLE,
        )
        .not.toBe('');

      const messages = await settled(room, agentsBefore + 3);
      await expectTranscriptMatches(page, messages);
      expectNoProblems(page);
    });

    it('the strict-CSP company page loads with no violation and no error', async () => {
      const page = await newPage();
      const response = await page.goto(`${server.url}/demo/company.html`);
      expect(response?.headers()['content-security-policy']).toMatch(/script-src/);
      expect(response?.headers()['content-security-policy']).not.toMatch(
        /unsafe-inline|unsafe-eval/,
      );
      await page.locator('[part~="launcher"]').click();
      await waitReady(page);
      // A new visitor's conversation starts empty; the agents answer its first message.
      await send(page, 'Hello!');
      await expect.poll(() => page.locator(AGENT).count(), SETTLE).toBeGreaterThan(0);
      expect(await cspViolations(page)).toEqual([]);
      expectNoProblems(page);
    });

    it('the shared room and theming pages render (and leave their screenshots)', async () => {
      const shared = await newPage();
      await shared.goto(`${server.url}/demo/shared-room.html`);
      await waitReady(shared, 2);
      await send(
        shared,
        'Hi both, what should we read first about this project?',
        'chorus-chat[name="Ada"]',
      );
      const sharedMessages = await settled('shared', 1);
      await Promise.all(
        ['chorus-chat[name="Ada"]', 'chorus-chat[name="Grace"]'].map((scope) =>
          expectTranscriptMatches(shared, sharedMessages, scope),
        ),
      );
      await screenshot(shared, 'shared-room.png');
      expectNoProblems(shared);

      const theming = await newPage();
      await theming.goto(`${server.url}/demo/theming.html`);
      await waitReady(theming, 3);
      await send(theming, 'Does this look good in every theme?', 'chorus-chat[name="Default"]');
      const themeMessages = await settled('themes', 1);
      await Promise.all(
        ['Default', 'Night', 'Paper'].map((name) =>
          expectTranscriptMatches(theming, themeMessages, `chorus-chat[name="${name}"]`),
        ),
      );
      await screenshot(theming, 'theming.png');
      expectNoProblems(theming);
    });

    it('a French chat fetches its language pack from the server, shows French and joins as "Invité"', async () => {
      const page = await newPage();
      await page.goto(`${server.url}/demo/company.html`);
      const pack = page.waitForResponse(/\/chorus-i18n\/fr\.[0-9a-f]{8}\.json$/);
      expect(await mountFrenchChat(page)).toBe('Invité');
      const response = await pack;
      expect(response.status()).toBe(200);
      expect(response.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      await expect
        .poll(() => page.locator(`#french ${INPUT}`).getAttribute('placeholder'), SETTLE)
        .toBe('Écrire au salon (@ pour mentionner un agent)');
      expectNoProblems(page);
    });

    it('a French chat whose language pack cannot be loaded is in English, with one warning', async () => {
      const page = await newPage();
      const warnings: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'warning') warnings.push(message.text());
      });
      await page.route('**/chorus-i18n/**', (route) =>
        route.fulfill({ status: 503, body: 'unavailable' }),
      );
      await page.goto(`${server.url}/demo/company.html`);
      expect(await mountFrenchChat(page)).toBe('Guest');
      await expect
        .poll(() => page.locator(`#french ${INPUT}`).getAttribute('placeholder'), SETTLE)
        .toBe('Message the room (@ to mention an agent)');
      expect(warnings.filter((text) => text.includes('chorus-i18n'))).toEqual([
        expect.stringMatching(
          /chorus-i18n\/fr\.[0-9a-f]{8}\.json could not be loaded \(Error: HTTP 503\); the chat is in English/,
        ),
      ]);
    });
  },
);

/** Adds `<chorus-chat locale="fr">` (inline, no name) to a page that loaded chorus.js; resolves to the name it joined as. */
async function mountFrenchChat(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const chat = document.createElement('chorus-chat');
        chat.id = 'french';
        chat.setAttribute('room', 'langues');
        chat.setAttribute('mode', 'inline');
        chat.setAttribute('locale', 'fr');
        chat.addEventListener('chorus-ready', (event) => resolve(event.detail.participant.name), {
          once: true,
        });
        document.body.append(chat);
      }),
  );
}
