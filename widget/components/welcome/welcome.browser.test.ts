/// <reference types="mocha" />
// The first minute of a conversation in real Chromium: the room's welcome, the agents card,
// the starters (each sends itself), and the readable title.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import { axeViolations } from '../../test-support/axe.ts';
import { AGENTS } from '../../test-support/agents.ts';
import {
  find,
  findAll,
  get,
  mountChat,
  settle,
  unmountAll,
  until,
} from '../../test-support/mount-chat.ts';
import { StubConnection } from '../../test-support/stub-connection.ts';

const text = (element: Element) => element.textContent?.replace(/\s+/g, ' ').trim() ?? '';

describe('<chorus-welcome>', () => {
  afterEach(() => unmountAll());

  it('greets with the room’s welcome, introduces each agent as an AI, and has no axe violations', async () => {
    const agents = [
      { ...AGENTS[0]!, model: 'gpt-4o-mini' },
      { ...AGENTS[1]!, model: 'scout' }, // an offline voice: the handle again, not shown
    ];
    const stub = StubConnection.open([], {
      room: { title: 'Help desk', agents, settings: null },
      session: { welcome: 'Welcome to the help desk.', starters: ['What can you do?'] },
    });
    const chat = await mountChat(stub, { mode: 'inline' });
    expect(text(get(chat, '.empty'))).to.equal('Welcome to the help desk.');
    const card = get(chat, '.agents');
    expect(card.getAttribute('aria-label')).to.equal('The AI agents here');
    expect(findAll(card, 'li').map(text)).to.deep.equal([
      'Sage AI Model: gpt-4o-mini Thoughtful',
      'Scout AI Fast facts',
    ]);
    const dot = get(card, '.dot');
    expect(getComputedStyle(dot).backgroundColor).to.equal('rgb(124, 58, 237)'); // Sage's #7c3aed
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('reminds a returning visitor of their last conversation in one line, its whole summary on hover', async () => {
    const summary = 'Vera asked about order 1234; Sage said it ships tomorrow.\nOpen: none.';
    const stub = StubConnection.open([], {
      room: {
        title: 'Help desk',
        agents: [...AGENTS],
        settings: null,
        lastSession: {
          summary,
          endedAt: '2026-11-30T10:00:00.000Z',
          durationMs: 240_000,
          messageCount: 4,
        },
      },
    });
    const chat = await mountChat(stub, { mode: 'inline', locale: 'en-US' });
    const line = get(chat, '[part~="last-session"]');
    expect(text(line)).to.equal(
      'Last time (11/30/2026): Vera asked about order 1234; Sage said it ships tomorrow.',
    );
    expect(line.getAttribute('title')).to.equal(summary);
    expect(getComputedStyle(line).whiteSpace).to.equal('nowrap');
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('has no axe violations in the dark theme either', async () => {
    const stub = StubConnection.open([], { session: { welcome: 'Hi', starters: ['One', 'Two'] } });
    const chat = await mountChat(stub, { mode: 'inline', theme: 'dark' });
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('falls back to the default line, and shows no starters the room has none of', async () => {
    const chat = await mountChat(StubConnection.open(), { mode: 'inline' });
    expect(text(get(chat, '.empty'))).to.equal(
      'No messages yet. Say hello, or mention an agent with @.',
    );
    expect(find(chat, '.starters')).to.equal(null);
    expect(findAll(chat, '.agents li')).to.have.length(AGENTS.length);
  });

  it('sends a starter from the keyboard, and the welcome gives way to the conversation', async () => {
    const stub = StubConnection.open([], {
      session: { starters: ['What can you do?', 'Who are you?'] },
    });
    const chat = await mountChat(stub, { mode: 'inline' });
    const group = get(chat, '.starters');
    expect(group.getAttribute('role')).to.equal('group');
    expect(group.getAttribute('aria-label')).to.equal('Suggested questions');
    const starters = findAll<HTMLButtonElement>(group, 'button');
    expect(starters.map(text)).to.deep.equal(['What can you do?', 'Who are you?']);
    starters[1]!.focus();
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(stub.posts.map((post) => post.content)).to.deep.equal(['Who are you?']),
    );
    await settle(chat);
    expect(find(chat, 'chorus-welcome')).to.equal(null);
  });

  it('titles the chat with the room’s title, and with “Chat”, not the id, when the room has none', async () => {
    const titled = await mountChat(
      StubConnection.open([], { room: { title: 'Support desk', agents: AGENTS, settings: null } }),
      { mode: 'inline' },
    );
    expect(text(get(titled, '[part="title"]'))).to.equal('Support desk');
    unmountAll();
    const untitled = await mountChat(
      StubConnection.open([], {
        room: { title: 'Kbd 38734', agents: AGENTS, settings: null },
        session: { id: 'kbd-38734' },
      }),
      { mode: 'inline' },
    );
    expect(text(get(untitled, '[part="title"]'))).to.equal('Chat');
    expect(get(untitled, '[part~="panel"]').getAttribute('aria-label')).to.equal('Chat');
  });
});
