/// <reference types="mocha" />
// <chorus-inbox> against the real Chorus server (inbox/test-support/inbox-test-server.ts): real
// REST, the real hub over WebSockets with the official realtime-js client, offline personas. A
// visitor of the support room talks through the REST API, as the widget would.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import type { Message } from '../protocol/room.ts';
import type { SessionResponse } from '../protocol/schemas/rest.ts';
import { get, until } from '../widget/test-support/mount-chat.ts';
import type { InboxTestConfig } from './test-support/inbox-test-server.ts';
import { find, findAll, mountInboxOn, rows, unmountInboxes } from './test-support/mount-inbox.ts';

/** Offline replies take a few seconds at the test server's pace. */
const REPLY_TIMEOUT_MS = 20_000;

let config: InboxTestConfig;

/** Retries an async check until it passes or the time is up. */
async function eventually(check: () => Promise<void>, timeoutMs = REPLY_TIMEOUT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const response = await fetch(`${config.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** A visitor of the support room: their own conversation, their token. */
async function visitor(name: string): Promise<{ token: string; conversation: string }> {
  const session = await call<SessionResponse>('POST', '/api/session', undefined, {
    room: config.supportRoom,
    name,
  });
  expect(session.room.parent).to.equal(config.supportRoom);
  return { token: session.token, conversation: session.room.id };
}

async function visitorSays(who: { token: string; conversation: string }, content: string) {
  return (
    await call<{ message: Message }>('POST', `/api/rooms/${who.conversation}/messages`, who.token, {
      id: crypto.randomUUID(),
      content,
    })
  ).message;
}

async function transcriptOf(who: { token: string; conversation: string }): Promise<Message[]> {
  return (
    await call<{ messages: Message[] }>(
      'GET',
      `/api/rooms/${who.conversation}/messages?limit=100`,
      who.token,
    )
  ).messages;
}

describe('<chorus-inbox> on the real server', function () {
  this.timeout(60_000);
  before(async () => {
    config = (await (await fetch('/__chorus/inbox-test-config.json')).json()) as InboxTestConfig;
  });
  afterEach(() => unmountInboxes());

  it('lists a new conversation live, lifts it when the visitor asks for a person, and Ada takes it over', async () => {
    const inbox = await mountInboxOn(
      config.url,
      `#key=${encodeURIComponent(config.adminKey)}&name=Ada`,
    );
    await until(() => expect(find(inbox, '.live--open')).to.not.equal(null), REPLY_TIMEOUT_MS);
    const grace = await visitor('Grace');
    const first = await visitorSays(grace, 'Hello, is the Cargo Long in stock?');
    // The conversation arrives on inbox:<room>, with Grace's message as its preview.
    await until(
      () =>
        expect(rows(inbox).find((row) => row.id === grace.conversation)?.name).to.equal('Grace'),
      REPLY_TIMEOUT_MS,
    );
    await until(
      () =>
        expect(rows(inbox).find((row) => row.id === grace.conversation)?.preview).to.match(
          /^\w+: /,
        ),
      REPLY_TIMEOUT_MS,
    );
    await call('POST', `/api/rooms/${grace.conversation}/handoff`, grace.token, { to: 'human' });
    await until(() => {
      const [top] = rows(inbox);
      expect(top?.id).to.equal(grace.conversation);
      expect(top?.className).to.contain('row--waiting');
    }, REPLY_TIMEOUT_MS);

    get(inbox, `[part~="row"][data-id="${grace.conversation}"]`).click();
    await until(
      () => expect(find(inbox, `[data-id="${first.id}"]`)?.textContent).to.contain('Cargo Long'),
      REPLY_TIMEOUT_MS,
    );
    const takeOver = () =>
      findAll(inbox, '.actions button').find(
        (button) => button.textContent?.trim() === 'Take over',
      );
    await until(() => expect(takeOver()).to.not.equal(undefined));
    takeOver()!.click();
    await until(
      () => expect(get(inbox, '.who .status').textContent).to.contain('With the team'),
      REPLY_TIMEOUT_MS,
    );
    get<HTMLTextAreaElement>(inbox, 'textarea').focus();
    await sendKeys({ type: 'Hi Grace, Ada here: two are in the shop.' });
    await sendKeys({ press: 'Enter' });
    // Grace reads it as a staff message; the system note says who joined.
    await eventually(async () => {
      const messages = await transcriptOf(grace);
      const staff = messages.find((message) => message.author.role !== undefined);
      expect(staff?.content).to.equal('Hi Grace, Ada here: two are in the shop.');
      expect(staff?.author.name).to.equal('Ada');
    });
    // Handed back, Grace's next question is answered by an agent, streaming into the open view.
    const handBack = () =>
      findAll(inbox, '.actions button').find(
        (button) => button.textContent?.trim() === 'Hand back to the agents',
      );
    handBack()!.click();
    await until(
      () => expect(get(inbox, '.who .status').textContent).to.contain('Agents'),
      REPLY_TIMEOUT_MS,
    );
    const next = await visitorSays(grace, 'Does it fit two child seats?');
    await until(() => {
      const after = findAll(inbox, '.message--agent').filter(
        (element) => element.querySelector('time')!.dateTime >= next.createdAt,
      );
      expect(after.length).to.be.greaterThan(0);
      expect(after[0]!.querySelector('.content')?.textContent?.trim()).to.not.equal('');
    }, REPLY_TIMEOUT_MS);
  });
});
