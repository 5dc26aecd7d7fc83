/// <reference types="mocha" />
// The transcript in real Chromium: several replies streaming at once, parts, actions, the
// "new messages" pill, history paging, and what the live region announces.
import { expect } from 'chai';
import { html, nothing } from 'lit';
import type { Message } from '../../../protocol/room.ts';
import {
  agentMessage,
  GRACE,
  humanMessage,
  messageStart,
  SAGE,
  SCOUT,
} from '../../../protocol/test-support/messages.ts';
import {
  find,
  findAll,
  get,
  mountChat,
  settle,
  unmountAll,
  until,
} from '../../test-support/mount-chat.ts';
import { axeViolations } from '../../test-support/axe.ts';
import { StubConnection } from '../../test-support/stub-connection.ts';
import { RENDER_WINDOW, REVEAL_COUNT, type ChorusMessageList } from './message-list.ts';

function article(root: Element, id: string): HTMLElement {
  return get(root, `article[data-id="${id}"]`);
}

function text(element: Element | null): string {
  return element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
}

describe('<chorus-message-list>', () => {
  afterEach(() => unmountAll());

  it('grows several agents’ replies at the same time, each with name, colour, model and why it answered', async () => {
    const stub = StubConnection.open([humanMessage({ id: 'h1', content: '@sage @scout hi' })]);
    const chat = await mountChat(stub, { mode: 'inline' });
    const sage = agentMessage({
      id: 'r1',
      author: SAGE,
      replyTo: 'h1',
      reason: 'mention',
      model: 'offline-sage',
    });
    const scout = agentMessage({
      id: 'r2',
      author: SCOUT,
      replyTo: 'h1',
      reason: 'handoff',
      model: 'offline-scout',
    });
    stub.deliver('message-start', messageStart(sage));
    stub.deliver('message-start', messageStart(scout));
    stub.deliver('text-delta', { id: 'r1', seq: 1, delta: 'Hello ' });
    stub.deliver('text-delta', { id: 'r2', seq: 1, delta: 'Quick ' });
    stub.deliver('text-delta', { id: 'r1', seq: 2, delta: '**there**' });
    stub.deliver('text-delta', { id: 'r2', seq: 2, delta: 'fact' });
    await settle(chat);

    const first = article(chat, 'r1');
    const second = article(chat, 'r2');
    expect(first.classList.contains('message--streaming')).to.equal(true);
    expect(second.classList.contains('message--streaming')).to.equal(true);
    expect(text(first.querySelector('[part="message__content"]'))).to.equal('Hello there');
    expect(first.querySelector('strong')?.textContent).to.equal('there');
    expect(text(second.querySelector('[part="message__content"]'))).to.equal('Quick fact');
    expect(text(first.querySelector('[part="message__author"]'))).to.equal('Sage');
    const badge = first.querySelector('[part="message__badge"]');
    expect(text(badge)).to.equal('AI'); // not the handle or model again
    expect(badge?.getAttribute('title')).to.equal('Model: offline-sage');
    expect(text(first.querySelector('[part="message__reason"]'))).to.equal('Why: mentioned');
    expect(text(second.querySelector('[part="message__reason"]'))).to.equal('Why: handed over');
    expect(first.style.getPropertyValue('--chorus-author-color')).to.match(
      /^light-dark\(#7c3aed, /,
    );
    expect(second.style.getPropertyValue('--chorus-author-color')).to.match(
      /^light-dark\(#0e7490, /,
    );

    stub.deliver('message-end', {
      message: { ...sage, status: 'complete', content: 'Hello **there**', seq: 2 },
    });
    await settle(chat);
    expect(article(chat, 'r1').classList.contains('message--complete')).to.equal(true);
    expect(article(chat, 'r2').classList.contains('message--streaming')).to.equal(true);
  });

  it('shows reasoning and tool calls compactly, expandable with <details>', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    const reply = agentMessage({ id: 'r1', author: SAGE });
    stub.deliver('message-start', messageStart(reply));
    stub.deliver('reasoning-delta', { id: 'r1', seq: 1, delta: 'Let me compute.' });
    stub.deliver('tool-call', {
      id: 'r1',
      seq: 2,
      callId: 'c1',
      name: 'calculator',
      args: { expression: '6*7' },
    });
    await settle(chat);
    const details = findAll<HTMLDetailsElement>(article(chat, 'r1'), 'details');
    expect(details.map((detail) => detail.open)).to.deep.equal([false, false]);
    expect(text(details[0]!.querySelector('summary'))).to.equal('Reasoning');
    expect(text(details[1]!.querySelector('summary'))).to.equal('Tool calculator · running…');
    stub.deliver('tool-result', { id: 'r1', seq: 3, callId: 'c1', result: 42 });
    stub.deliver('tool-call', { id: 'r1', seq: 4, callId: 'c2', name: 'search', args: {} });
    stub.deliver('tool-result', { id: 'r1', seq: 5, callId: 'c2', error: 'timeout' });
    await settle(chat);
    const tools = findAll<HTMLDetailsElement>(article(chat, 'r1'), 'details.tool');
    expect(tools.map((tool) => text(tool.querySelector('summary')))).to.deep.equal([
      'Tool calculator · done',
      'Tool search · failed',
    ]);
    tools[0]!.querySelector('summary')!.click();
    expect(tools[0]!.open).to.equal(true);
    expect(text(tools[0]!.querySelector('pre[aria-label="Result"]'))).to.equal('42');
    expect(tools[1]!.classList.contains('tool--error')).to.equal(true);
  });

  it('clips very long reasoning and tool results without cutting an emoji in half', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    const long = `${'a'.repeat(3999)}${'😀'.repeat(5)}`;
    stub.deliver('message-start', messageStart(agentMessage({ id: 'r1', author: SAGE })));
    stub.deliver('reasoning-delta', { id: 'r1', seq: 1, delta: long });
    stub.deliver('tool-call', { id: 'r1', seq: 2, callId: 'c1', name: 'search', args: {} });
    stub.deliver('tool-result', { id: 'r1', seq: 3, callId: 'c1', result: long });
    await settle(chat);
    const reply = article(chat, 'r1');
    expect(get(reply, 'details.reasoning .part-body').textContent).to.equal(`${'a'.repeat(3999)}…`);
    expect(get(reply, 'pre[aria-label="Result"]').textContent).to.equal(`${'a'.repeat(3999)}…`);
  });

  it('offers Stop on a streaming reply, Retry on a failed one and Regenerate on a finished one, and says who stopped a reply', async () => {
    const failed: Message = {
      ...agentMessage({ id: 'r2', author: SCOUT }),
      status: 'error',
      content: 'Partial answer',
      error: 'The provider timed out',
    };
    const done: Message = {
      ...agentMessage({ id: 'r3', author: SAGE }),
      status: 'cancelled',
      content: 'Half',
    };
    const stoppedByAda: Message = {
      ...agentMessage({ id: 'r5', author: SCOUT }),
      status: 'cancelled',
      content: 'Quarter',
      stoppedBy: { id: 'guest-ada', name: 'Ada' },
    };
    const stub = StubConnection.open([failed, done, stoppedByAda]);
    const chat = await mountChat(stub, { mode: 'inline' });
    stub.deliver('message-start', messageStart(agentMessage({ id: 'r4', author: SAGE })));
    await settle(chat);

    get<HTMLButtonElement>(
      article(chat, 'r4'),
      'button[aria-label="Stop the reply of Sage"]',
    ).click();
    expect(text(article(chat, 'r2').querySelector('[part="message__status"]'))).to.equal(
      // The error's text is the server's business: a visitor reads the same line whatever it says.
      'This reply failed.',
    );
    expect(text(article(chat, 'r2').querySelector('[part="message__content"]'))).to.equal(
      'Partial answer',
    );
    get<HTMLButtonElement>(
      article(chat, 'r2'),
      'button[aria-label="Retry the reply of Scout"]',
    ).click();
    expect(text(article(chat, 'r3').querySelector('[part="message__status"]'))).to.equal('Stopped');
    expect(text(article(chat, 'r5').querySelector('[part="message__status"]'))).to.equal(
      'Stopped by Ada',
    );
    get<HTMLButtonElement>(
      article(chat, 'r3'),
      'button[aria-label="Regenerate the reply of Sage"]',
    ).click();
    get<HTMLButtonElement>(chat, '[part="stop-all-button"]').click();
    await until(() => expect(stub.stops).to.deep.equal([{ messageId: 'r4' }, { all: true }]));
    expect(stub.regenerations).to.deep.equal(['r2', 'r3']);
  });

  it('adds the buttons of messageActions after its own, in message__actions, on every message but a system note', async () => {
    const stub = StubConnection.open([
      humanMessage({ id: 'h1', author: GRACE, content: 'Is it in stock?' }),
      { ...humanMessage({ id: 'h2', author: GRACE }), status: 'deleted', content: '' },
      {
        ...humanMessage({ id: 'n1', content: 'Grace is waiting' }),
        author: { kind: 'system', id: 'system', name: 'Chorus' },
      },
    ]);
    const chat = await mountChat(stub, { mode: 'inline' });
    stub.deliver(
      'message-start',
      messageStart(agentMessage({ id: 'r1', author: SAGE, replyTo: 'h1' })),
    );
    await settle(chat);
    const list = get<ChorusMessageList>(chat, 'chorus-message-list');
    const actions = (id: string) =>
      findAll(article(chat, id), '[part="message__actions"] button').map((button) => text(button));
    // Without the hook: no action row; the reply's Stop is in its author row.
    expect(findAll(article(chat, 'h1'), '[part="message__actions"]')).to.have.length(0);
    expect(actions('r1')).to.deep.equal([]);
    expect(text(find(article(chat, 'r1'), '.meta [part="message__stop"]'))).to.equal('Stop');

    const asked: string[] = [];
    list.messageActions = (message) =>
      message.status === 'deleted'
        ? nothing
        : html`<button class="button" type="button" aria-label=${`Flag the message of ${message.author.name}`} @click=${() => asked.push(message.id)}>Flag</button>`;
    await settle(chat);
    expect(actions('h1')).to.deep.equal(['Flag']);
    expect(actions('r1')).to.deep.equal(['Flag']);
    expect(findAll(article(chat, 'h2'), '[part="message__actions"]')).to.have.length(0);
    expect(findAll(article(chat, 'n1'), 'button')).to.have.length(0);
    get<HTMLButtonElement>(
      article(chat, 'h1'),
      'button[aria-label="Flag the message of Grace"]',
    ).click();
    get<HTMLButtonElement>(
      article(chat, 'r1'),
      'button[aria-label="Flag the message of Sage"]',
    ).click();
    expect(asked).to.deep.equal(['h1', 'r1']);

    // A new function draws again (messages that did not change too); none takes the buttons away.
    list.messageActions = (message) =>
      message.id === 'h1' ? html`<button type="button">Pin</button>` : nothing;
    await settle(chat);
    expect(actions('h1')).to.deep.equal(['Pin']);
    expect(actions('r1')).to.deep.equal([]);
    list.messageActions = undefined;
    await settle(chat);
    expect(findAll(article(chat, 'h1'), '[part="message__actions"]')).to.have.length(0);
    expect(find(article(chat, 'r1'), '[part="message__stop"]')).to.not.equal(null);
  });

  it('is a log that announces finished messages with the speaker, not every token', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    const log = get(chat, '[part="log"]');
    expect(log.getAttribute('role')).to.equal('log');
    expect(log.getAttribute('aria-live')).to.equal('off');
    const region = get(chat, '[aria-live="polite"]');
    const reply = agentMessage({ id: 'r1', author: SAGE });
    stub.deliver('message-start', messageStart(reply));
    stub.deliver('text-delta', { id: 'r1', seq: 1, delta: 'Almost' });
    await settle(chat);
    expect(text(region)).to.equal('');
    stub.deliver('message-end', {
      message: { ...reply, status: 'complete', content: 'Almost **done**', seq: 1 },
    });
    stub.deliver('message', {
      message: humanMessage({ id: 'h1', author: GRACE, content: 'Thanks!' }),
    });
    await settle(chat);
    expect(
      [...region.querySelectorAll('p')].map((paragraph) => paragraph.textContent),
    ).to.deep.equal(['Sage: Almost done', 'Grace: Thanks!']);
  });

  it('stays pinned to the bottom, and shows a "new messages" pill when the reader scrolled up', async () => {
    const history = Array.from({ length: RENDER_WINDOW - 10 }, (_, index) =>
      humanMessage({
        id: `h${index}`,
        author: GRACE,
        content: `Message number ${index}\n\nwith a second paragraph`,
      }),
    );
    const stub = StubConnection.open(history);
    const chat = await mountChat(stub, { mode: 'inline' });
    const log = get(chat, '[part="log"]');
    const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 2;
    expect(log.scrollHeight).to.be.greaterThan(log.clientHeight);
    expect(atBottom()).to.equal(true);

    stub.deliver('message', {
      message: humanMessage({ id: 'n1', author: GRACE, content: 'New one' }),
    });
    await settle(chat);
    expect(atBottom()).to.equal(true);
    expect(find(chat, '[part="new-messages"]')).to.equal(null);

    log.scrollTop = 0;
    log.dispatchEvent(new Event('scroll'));
    await settle(chat);
    stub.deliver('message', {
      message: humanMessage({ id: 'n2', author: GRACE, content: 'Another' }),
    });
    await settle(chat);
    expect(log.scrollTop).to.equal(0);
    const pill = get<HTMLButtonElement>(chat, '[part="new-messages"]');
    expect(text(pill)).to.equal('New messages (1)');
    stub.deliver('message', {
      message: humanMessage({ id: 'n3', author: GRACE, content: 'And another' }),
    });
    await settle(chat);
    expect(text(pill)).to.equal('New messages (2)'); // counts the messages below, not tokens
    pill.click();
    await settle(chat);
    expect(atBottom()).to.equal(true);
    expect(find(chat, '[part="new-messages"]')).to.equal(null);
  });

  it('loads earlier messages from the top, keeping the reader’s place', async () => {
    const recent = Array.from({ length: 20 }, (_, index) =>
      humanMessage({
        id: `b${index}`,
        author: GRACE,
        content: `Recent ${index}`,
        createdAt: `2026-02-01T00:00:${String(index).padStart(2, '0')}.000Z`,
      }),
    );
    const stub = StubConnection.open(recent);
    stub.olderPages = [
      Array.from({ length: 10 }, (_, index) =>
        humanMessage({
          id: `a${index}`,
          content: `Older ${index}`,
          createdAt: `2026-01-01T00:00:${String(index).padStart(2, '0')}.000Z`,
        }),
      ),
    ];
    const chat = await mountChat(stub, { mode: 'inline' });
    const log = get(chat, '[part="log"]');
    log.scrollTop = 200;
    log.dispatchEvent(new Event('scroll'));
    const anchor = article(chat, 'b0');
    const before = anchor.getBoundingClientRect().top;
    get<HTMLButtonElement>(chat, '.history button').click();
    await settle(chat);
    expect(findAll(chat, 'article').length).to.equal(30);
    expect(find(chat, 'article')?.dataset['id']).to.equal('a0');
    expect(Math.abs(article(chat, 'b0').getBoundingClientRect().top - before)).to.be.lessThan(2);
    expect(text(find(chat, '.history'))).to.equal('This is the start of the conversation.');
  });

  it('replaces a retried reply in place by its new version, with ‹ n/m › to read the earlier one', async () => {
    const question = humanMessage({ id: 'h1', content: 'Question' });
    const failed: Message = {
      ...agentMessage({ id: 'r1', author: SCOUT, replyTo: 'h1' }),
      status: 'error',
      content: 'Partial',
      error: 'cut',
    };
    const other: Message = {
      ...agentMessage({ id: 'r2', author: SAGE, replyTo: 'h1' }),
      status: 'complete',
      content: 'Sage answers',
    };
    const stub = StubConnection.open([question, failed, other]);
    const chat = await mountChat(stub, { mode: 'inline' });
    const bubbles = () => findAll(chat, 'article').map((element) => element.dataset['key']);
    const bubble = () => get(chat, 'article[data-key="r1"]');
    const retry = () => find(bubble(), 'button[aria-label="Retry the reply of Scout"]');
    retry()!.click();
    await until(() => expect(stub.regenerations).to.deep.equal(['r1']));

    const second = agentMessage({
      id: 'r3',
      author: SCOUT,
      replyTo: 'h1',
      reason: 'regenerate',
      versionOf: 'r1',
    });
    stub.deliver('message-start', messageStart(second));
    stub.deliver('text-delta', { id: 'r3', seq: 1, delta: 'Full answer' });
    await settle(chat);
    // One bubble, at the first version's place, showing the new version; no "Why: regenerated".
    expect(bubbles()).to.deep.equal(['h1', 'r1', 'r2']);
    expect(bubble().dataset['id']).to.equal('r3');
    expect(text(bubble().querySelector('[part="message__content"]'))).to.equal('Full answer');
    expect(bubble().querySelector('[part="message__reason"]')).to.equal(null);
    expect(text(bubble().querySelector('[part="message__versions"]'))).to.equal('‹2/2›');
    expect(retry()).to.equal(null);

    stub.deliver('message-end', {
      message: { ...second, status: 'complete', content: 'Full answer', seq: 1 },
    });
    await settle(chat);
    const versions = () => get(bubble(), '[part="message__versions"]');
    expect(versions().getAttribute('aria-label')).to.equal('Version 2 of 2');
    get<HTMLButtonElement>(versions(), 'button[aria-label="Previous version"]').click();
    await settle(chat);
    expect(bubble().dataset['id']).to.equal('r1');
    expect(text(bubble().querySelector('[part="message__content"]'))).to.equal('Partial');
    expect(versions().getAttribute('aria-label')).to.equal('Version 1 of 2');
    expect(
      get<HTMLButtonElement>(versions(), 'button[aria-label="Previous version"]').disabled,
    ).to.equal(true);
    expect(retry()).to.equal(null); // only the latest version offers another
    get<HTMLButtonElement>(versions(), 'button[aria-label="Next version"]').click();
    await settle(chat);
    expect(bubble().dataset['id']).to.equal('r3');
    expect(find(bubble(), 'button[aria-label="Regenerate the reply of Scout"]')).to.not.equal(null);
    // Another agent's reply to the same message is its own bubble.
    expect(
      find(article(chat, 'r2'), 'button[aria-label="Regenerate the reply of Sage"]'),
    ).to.not.equal(null);
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('copies a message’s text, groups an author’s consecutive messages, separates days and names each message', async () => {
    const day = (date: string) => new Date(date).toISOString();
    const stub = StubConnection.open([
      humanMessage({
        id: 'h1',
        author: GRACE,
        content: 'Old day',
        createdAt: day('2025-03-04T10:00:00'),
      }),
      humanMessage({
        id: 'h2',
        author: GRACE,
        content: 'Hello',
        createdAt: new Date().toISOString(),
      }),
      humanMessage({
        id: 'h3',
        author: GRACE,
        content: 'Again',
        createdAt: new Date().toISOString(),
      }),
      {
        ...agentMessage({ id: 'r1', author: SAGE, createdAt: new Date().toISOString() }),
        status: 'complete',
        content: '**Copy** me',
      },
    ]);
    const chat = await mountChat(stub, { mode: 'inline' });
    const days = findAll(chat, '[part="day"]').map((element) => text(element));
    expect(days).to.deep.equal(['Mar 4, 2025', 'Today']);
    expect(article(chat, 'h2').classList.contains('message--continued')).to.equal(false);
    expect(article(chat, 'h3').classList.contains('message--continued')).to.equal(true);
    expect(article(chat, 'h1').getAttribute('aria-label')).to.match(/^Grace, 10:00\sAM$/);
    expect(article(chat, 'r1').getAttribute('aria-label')).to.match(/^Sage, \d/);

    const written: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (value: string) => void written.push(value) },
    });
    const copy = get<HTMLButtonElement>(
      article(chat, 'r1'),
      'button[aria-label="Copy the message of Sage"]',
    );
    copy.click();
    await until(() => expect(written).to.deep.equal(['**Copy** me']));
    await settle(chat);
    expect(text(get(article(chat, 'r1'), '[part="message__copy"]'))).to.equal('Copied');
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('renders only the newest messages of a long transcript, revealing older ones from the top in place', async () => {
    const at = (index: number) => new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString();
    const history = Array.from({ length: 200 }, (_, index) =>
      humanMessage({
        id: `m${index}`,
        author: GRACE,
        content: `Message ${index}`,
        createdAt: at(index),
      }),
    );
    const stub = StubConnection.open(history);
    stub.olderPages = [
      [humanMessage({ id: 'older', content: 'From the server', createdAt: at(-1) })],
    ];
    const chat = await mountChat(stub, { mode: 'inline' });
    const log = get(chat, '[part="log"]');
    const ids = () => findAll(chat, 'article').map((element) => element.dataset['id']);
    const scrollToTop = async () => {
      log.scrollTop = 0;
      log.dispatchEvent(new Event('scroll'));
      await settle(chat);
    };
    let first = 200 - RENDER_WINDOW;
    expect(ids()).to.deep.equal(history.slice(first).map((message) => message.id));

    // Scrolled to the top: older messages appear above, and the message the reader saw stays put.
    log.scrollTop = 0;
    const before = article(chat, `m${first}`).getBoundingClientRect().top;
    await scrollToTop();
    expect(ids()[0]).to.equal(`m${first - REVEAL_COUNT}`);
    expect(
      Math.abs(article(chat, `m${first}`).getBoundingClientRect().top - before),
    ).to.be.lessThan(2);
    first -= REVEAL_COUNT;

    // New messages while the reader is up in the history do not move the window.
    stub.deliver('message', {
      message: humanMessage({ id: 'late', author: GRACE, content: 'Late', createdAt: at(500) }),
    });
    await settle(chat);
    expect([ids()[0], ids().at(-1)]).to.deep.equal([`m${first}`, 'late']);

    // The server is asked for older history only once every loaded message is shown.
    while (first > 0) {
      await scrollToTop();
      first = Math.max(0, first - REVEAL_COUNT);
      expect(ids()[0]).to.equal(`m${first}`);
    }
    expect(find(chat, 'article[data-id="older"]')).to.equal(null);
    log.scrollTop = 0;
    log.dispatchEvent(new Event('scroll'));
    await until(() => expect(ids()[0]).to.equal('older'));

    // Back at the bottom, the window shrinks to the newest messages again.
    get<HTMLButtonElement>(chat, '[part="new-messages"]').click();
    await settle(chat);
    expect(ids()).to.have.length(RENDER_WINDOW);
    expect(ids().at(-1)).to.equal('late');
  });

  it('renders a failed send with Retry that reuses the message id', async () => {
    const stub = StubConnection.open();
    const chat = await mountChat(stub, { mode: 'inline' });
    const { ChorusError } = await import('../../lib/chorus-error.ts');
    stub.failNextPost = new ChorusError('rate_limited', 'Too many messages, wait a minute', {
      status: 429,
    });
    await chat.send('Hello?');
    await settle(chat);
    const failed = get(chat, 'article.message--own');
    // A rate limit is worded for the person, in their language (not the server's English).
    expect(text(failed.querySelector('[part="message__status"]'))).to.equal(
      'Not sent: You are sending messages too fast. Wait a moment, then try again.',
    );
    get<HTMLButtonElement>(failed, 'button').click();
    await until(() => expect(stub.posts).to.have.length(2));
    expect(stub.posts[0]!.id).to.equal(stub.posts[1]!.id);
    await settle(chat);
    expect(findAll(chat, 'article.message--own')).to.have.length(1);
    expect(find(chat, 'article.message--own [part="message__status"]')).to.equal(null);
  });
});
