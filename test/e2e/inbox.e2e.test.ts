/**
 * End to end, issue 12's takeover (docs/architecture.md §8): the real server (in-process, port 0,
 * in-memory PGlite, offline personas) serving the company page as a `support` room and the
 * operator inbox at /inbox/, driven by a headless Chromium through playwright-core. Two visitors
 * and an operator at once: a visitor asks for a person, the conversation rises to the top of the
 * inbox as waiting, the operator takes over and answers, the visitor sees "Ada from the team",
 * the operator hands back and an agent answers the next question. It writes the README's inbox
 * screenshots (desktop and 390 px) into docs/screenshots/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core';
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
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const ROOM = 'northwind';
/** Generous: offline replies at 80 tokens/s take a few seconds, on a busy machine longer. */
const SETTLE = { timeout: 30_000, interval: 100 };

let server: RunningServer;
let browser: Browser;
let removeDataDir: (() => Promise<void>) | undefined;
const contexts: BrowserContext[] = [];
const problems = new Map<Page, string[]>();

async function newPage(viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({
    viewport,
    reducedMotion: 'reduce',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  contexts.push(context);
  await context.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (event) => console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
      true,
    );
  });
  const page = await context.newPage();
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('console', (message) => {
    if (message.type() === 'error' || /content security policy/i.test(message.text()))
      seen.push(message.text());
  });
  page.on('pageerror', (error) => seen.push(`pageerror: ${error.message}`));
  return page;
}

/** A visitor on the company page with the launcher open, in the chat, named as the host page would. */
async function openCompany(page: Page, name: string): Promise<void> {
  // The host page's own call, queued before the embed loads (widget/README.md).
  await page.addInitScript((visitor) => {
    (window as unknown as { Chorus: unknown[] }).Chorus = [['setUser', { name: visitor }]];
  }, name);
  await page.goto(`${server.url}/demo/company.html`);
  const launcher = page.locator('[part~="launcher"]');
  await launcher.waitFor();
  if ((await launcher.getAttribute('aria-expanded')) !== 'true') await launcher.click();
  await page.locator('[part~="input"]').waitFor();
}

async function send(input: Locator, text: string): Promise<void> {
  await input.fill(text);
  await input.press('Enter');
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(SCREENSHOTS, name),
    animations: 'disabled',
    caret: 'hide',
    scale: 'css',
  });
}

/** The messages of a room as stored. */
async function persisted(room: string): Promise<Message[]> {
  return (await server.store.transcript.listMessages(room, { limit: 200 })).messages;
}

/** The visitor's conversation: the room their page's token is for. */
async function conversationOf(page: Page): Promise<string> {
  let id = '';
  await expect
    .poll(async () => {
      const stored = await page.evaluate(() =>
        Object.keys(sessionStorage).find((key) => key.startsWith('chorus:session:')),
      );
      if (!stored) return '';
      const token = await page.evaluate((key) => sessionStorage.getItem(key) ?? '', stored);
      const claims = JSON.parse(
        Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { room?: string };
      id = claims.room ?? '';
      return id;
    }, SETTLE)
    .toMatch(/^c_/);
  return id;
}

describe('the operator inbox with two visitors, in a real browser', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    const throwaway = await throwawayConfig({ CHORUS_OFFLINE_TOKENS_PER_SECOND: '80' });
    removeDataDir = throwaway.removeDataDir;
    const [sql, { executablePath }] = await Promise.all([
      openTestPGlite(),
      findChromium(),
      mkdir(SCREENSHOTS, { recursive: true }),
    ]);
    server = await startServer(throwaway.config, { serveWidget: true, sql });
    // The company page's room as its owner makes it a support room: through the admin API.
    const update = await fetch(`${server.url}/api/admin/rooms/${ROOM}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Northwind Bikes', kind: 'support', handoff: true }),
    });
    expect(update.status).toBe(200);
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await removeDataDir?.();
  }, 30_000);

  it('a visitor asks for a person, Ada takes over and answers, hands back, and an agent answers again', async () => {
    const [operator, grace, linus] = await Promise.all([newPage(), newPage(), newPage()]);
    // Ada opens the link npm start prints (the admin key in the fragment) with her name.
    await operator.goto(`${server.url}/inbox/#key=${encodeURIComponent(server.adminKey)}&name=Ada`);
    await expect.poll(() => operator.evaluate(() => location.hash), SETTLE).toBe('');
    await operator.locator('.live--open').waitFor({ timeout: SETTLE.timeout });

    // Two visitors write; each has a private conversation, listed newest activity first.
    await Promise.all([openCompany(grace, 'Grace'), openCompany(linus, 'Linus')]);
    await send(grace.locator('[part~="input"]'), 'Hello, is the Cargo Long in stock?');
    const graceRoom = await conversationOf(grace);
    await operator
      .locator(`[part~="row"][data-id="${graceRoom}"]`)
      .waitFor({ timeout: SETTLE.timeout });
    await send(linus.locator('[part~="input"]'), 'What are your opening hours?');
    const linusRoom = await conversationOf(linus);
    expect(linusRoom).not.toBe(graceRoom);
    const rowIds = () =>
      operator
        .locator('[part~="row"]')
        .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset['id']));
    await expect.poll(rowIds, SETTLE).toEqual([linusRoom, graceRoom]);
    await expect(operator.locator('[part~="row"] .name').allTextContents()).resolves.toEqual([
      'Linus',
      'Grace',
    ]);
    // Replies stream into the previews (an agent's name before its words).
    await expect
      .poll(() => operator.locator(`[data-id="${linusRoom}"] .preview`).textContent(), SETTLE)
      .toMatch(/^(Sage|Scout|Muse|[A-Z]\w+): \w/);

    // Grace asks for a person: her conversation rises to the top, waiting.
    await grace.locator('[part~="handoff-button"]').click();
    await expect.poll(rowIds, SETTLE).toEqual([graceRoom, linusRoom]);
    await expect(operator.locator(`[data-id="${graceRoom}"] .status`).textContent()).resolves.toBe(
      'Waiting',
    );

    // Ada opens it, takes over and answers.
    await operator.locator(`[part~="row"][data-id="${graceRoom}"]`).click();
    await operator.getByRole('button', { name: 'Take over' }).click();
    await expect
      .poll(() => operator.locator('chorus-conversation-view .who .status').textContent(), SETTLE)
      .toContain('With the team');
    const answer = operator.locator('chorus-conversation-view textarea');
    await send(answer, 'Hi Grace, this is Ada. Yes, we have two Cargo Long in the shop.');
    // Grace sees Ada's answer, as someone of the team.
    const staff = grace.locator('[part~="message--staff"]');
    await staff.first().waitFor({ timeout: SETTLE.timeout });
    await expect(staff.first().textContent()).resolves.toContain('Ada from the team');
    await expect(staff.first().textContent()).resolves.toContain('two Cargo Long');
    await screenshot(operator, 'inbox-desktop.png');

    // Moderation: Ada removes Grace's first message; it keeps its place, removed, for Grace too.
    const [question] = (await persisted(graceRoom)).filter(
      (message) => message.author.kind === 'human' && message.author.role === undefined,
    );
    await operator.locator(`chorus-conversation-view [data-id="${question!.id}"] .delete`).click();
    await expect
      .poll(() => grace.locator(`[data-id="${question!.id}"]`).textContent(), SETTLE)
      .toContain('message removed');
    await expect(grace.locator(`[data-id="${question!.id}"]`).textContent()).resolves.not.toContain(
      'Cargo Long',
    );

    // Ada hands back; Grace's next question gets an agent's answer.
    await operator.getByRole('button', { name: 'Hand back to the agents' }).click();
    await expect
      .poll(() => operator.locator('chorus-conversation-view .who .status').textContent(), SETTLE)
      .toContain('Agents');
    const before = (await persisted(graceRoom)).length;
    await send(grace.locator('[part~="input"]'), 'Great. Does it fit two child seats?');
    await expect
      .poll(async () => {
        const after = (await persisted(graceRoom)).slice(before);
        return after.some(
          (message) =>
            message.author.kind === 'agent' &&
            message.status === 'complete' &&
            message.content !== '',
        );
      }, SETTLE)
      .toBe(true);
    // The inbox shows that reply too, live, in the open conversation.
    const reply = (await persisted(graceRoom))
      .slice(before)
      .find((message) => message.author.kind === 'agent')!;
    await operator
      .locator(`chorus-conversation-view [data-id="${reply.id}"]`)
      .waitFor({ timeout: SETTLE.timeout });

    // The same inbox on a phone: one pane at a time.
    const phone = await newPage(PHONE);
    await phone.goto(`${server.url}/inbox/#key=${encodeURIComponent(server.adminKey)}&name=Ada`);
    await phone.locator(`[part~="row"][data-id="${graceRoom}"]`).click();
    await phone.locator('chorus-conversation-view .back').waitFor();
    await expect(phone.locator('chorus-conversation-list').isVisible()).resolves.toBe(false);
    await phone
      .locator(`chorus-conversation-view [data-id="${reply.id}"]`)
      .waitFor({ timeout: SETTLE.timeout });
    await screenshot(phone, 'inbox-phone.png');

    for (const page of [operator, grace, linus, phone]) expect(problems.get(page)).toEqual([]);
  });
});
