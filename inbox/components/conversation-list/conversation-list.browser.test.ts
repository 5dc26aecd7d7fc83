/// <reference types="mocha" />
// The conversation list on its own in real Chromium: what a row says, the keyboard, the events.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import type { Conversation } from '../../../protocol/room.ts';
import { agentMessage, humanMessage } from '../../../protocol/test-support/messages.ts';
import { axeViolations } from '../../../widget/test-support/axe.ts';
import { deepActiveElement } from '../../../widget/test-support/mount-chat.ts';
import '../../../widget/test-support/process-shim.ts';
import '../../main.ts';
import type { ChorusConversationOpenEvent } from '../../events.ts';
import { tokenStyles } from '../../../widget/styles/tokens.styles.ts';
import type { ChorusConversationList } from './conversation-list.ts';

const GRACE = { kind: 'human' as const, id: 'guest:grace', name: 'Grace' };

function conversation(id: string, changes: Partial<Conversation> = {}): Conversation {
  return {
    id,
    parent: 'northwind',
    title: id,
    visitor: { id: `guest:${id}`, name: id, role: 'guest' },
    status: 'bot',
    waiting: false,
    lastMessage: null,
    unread: 0,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
    ...changes,
  };
}

const mounted: HTMLElement[] = [];

/** The list in a host that carries the widget's colour tokens, as `<chorus-inbox>` does. */
async function mountList(conversations: Conversation[]): Promise<ChorusConversationList> {
  const host = document.createElement('div');
  const root = host.attachShadow({ mode: 'open' });
  root.adoptedStyleSheets = [tokenStyles.styleSheet!];
  const list = document.createElement('chorus-conversation-list');
  list.conversations = conversations;
  root.append(list);
  document.body.append(host);
  mounted.push(host);
  await list.updateComplete;
  return list;
}

const rowTexts = (list: ChorusConversationList) =>
  [...list.shadowRoot!.querySelectorAll<HTMLElement>('[part~="row"]')].map((row) => ({
    name: row.querySelector('.name')?.textContent,
    status: row.querySelector('.status')?.textContent,
    unread: row.querySelector('.unread')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
    preview: row.querySelector('.preview')?.textContent,
  }));

describe('<chorus-conversation-list>', () => {
  afterEach(() => {
    for (const host of mounted.splice(0)) host.remove();
  });

  it('says who, the status, the unread count and the last message, in words', async () => {
    const list = await mountList([
      conversation('Grace', {
        status: 'waiting',
        waiting: true,
        unread: 3,
        lastMessage: humanMessage({ id: 'm1', author: GRACE, content: 'Can **someone** help?' }),
      }),
      conversation('Linus', {
        status: 'human',
        lastMessage: agentMessage({ id: 'm2', content: 'Our hours are 9–5', status: 'streaming' }),
      }),
      conversation('Anna', {
        status: 'closed',
        lastMessage: humanMessage({ id: 'm3', status: 'deleted', content: '' }),
      }),
      conversation('Ken'),
    ]);
    expect(rowTexts(list)).to.deep.equal([
      { name: 'Grace', status: 'Waiting', unread: '3 unread', preview: 'Grace: Can someone help?' },
      { name: 'Linus', status: 'With the team', unread: '', preview: 'Sage: Our hours are 9–5' },
      { name: 'Anna', status: 'Closed', unread: '', preview: 'Message removed' },
      { name: 'Ken', status: 'Agents', unread: '', preview: 'No messages yet' },
    ]);
    expect(list.shadowRoot!.querySelector('.preview--streaming')?.textContent).to.contain(
      'Our hours',
    );
    expect(await axeViolations(list)).to.deep.equal([]);
  });

  it('moves with the arrows, Home and End, opens with Enter and Space, and takes one Tab stop', async () => {
    const list = await mountList([conversation('a'), conversation('b'), conversation('c')]);
    const opened: string[] = [];
    list.addEventListener('chorus-conversation-open', (event: ChorusConversationOpenEvent) =>
      opened.push(event.conversationId),
    );
    const tabStops = () =>
      [...list.shadowRoot!.querySelectorAll('[part~="row"]')].filter(
        (row) => row.getAttribute('tabindex') === '0',
      ).length;
    expect(tabStops()).to.equal(1);
    list.focusRow();
    await list.updateComplete;
    const focused = () => deepActiveElement()?.getAttribute('data-id');
    expect(focused()).to.equal('a');
    await sendKeys({ press: 'End' });
    await list.updateComplete;
    expect(focused()).to.equal('c');
    await sendKeys({ press: 'ArrowDown' }); // stays on the last
    await list.updateComplete;
    expect(focused()).to.equal('c');
    await sendKeys({ press: 'ArrowUp' });
    await list.updateComplete;
    expect(focused()).to.equal('b');
    await sendKeys({ press: 'Enter' });
    await sendKeys({ press: 'Home' });
    await list.updateComplete;
    await sendKeys({ press: ' ' });
    expect(opened).to.deep.equal(['b', 'a']);
    expect(tabStops()).to.equal(1);
    // The open one is marked for assistive technology.
    list.selectedId = 'a';
    await list.updateComplete;
    const selected = list.shadowRoot!.querySelectorAll('[aria-selected="true"]');
    expect([...selected].map((row) => row.getAttribute('data-id'))).to.deep.equal(['a']);
  });

  it('says when there is nothing yet, and asks for older conversations on request', async () => {
    const list = await mountList([]);
    expect(list.shadowRoot!.querySelector('.empty')?.textContent).to.equal(
      'No conversations yet. They appear here as visitors write.',
    );
    list.conversations = [conversation('a')];
    list.hasMore = true;
    await list.updateComplete;
    let asked = 0;
    list.addEventListener('chorus-load-more', () => asked++);
    list.shadowRoot!.querySelector<HTMLButtonElement>('.more button')!.click();
    expect(asked).to.equal(1);
    list.loading = true;
    await list.updateComplete;
    const button = list.shadowRoot!.querySelector<HTMLButtonElement>('.more button')!;
    expect(button.disabled).to.equal(true);
    expect(button.textContent?.trim()).to.equal('Loading…');
  });
});
