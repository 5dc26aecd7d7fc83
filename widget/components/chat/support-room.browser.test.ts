/// <reference types="mocha" />
// <chorus-chat> in a support room (docs/architecture.md §8), with the real RoomClient on the
// fake room server and a fake channel: the visitor's own conversation, staff messages and
// presence, "Talk to a person" and the conversation's status, removed messages and mutes.
import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import type { Message } from '../../../protocol/room.ts';
import { agentMessage, humanMessage, SAGE } from '../../../protocol/test-support/messages.ts';
import { FR } from '../../i18n/fr.ts';
import { RoomClient } from '../../room/room-client.ts';
import { axeViolations } from '../../test-support/axe.ts';
import {
  FakeRoomServer,
  fakeChannels,
  memoryStorage,
} from '../../test-support/fake-room-server.ts';
import {
  deepActiveElement,
  find,
  findAll,
  get,
  mountChat,
  settle,
  unmountAll,
  until,
} from '../../test-support/mount-chat.ts';
import type { ChorusChat } from './chat.ts';

const GRACE_STAFF = { id: 'user:grace', name: 'Grace', role: 'operator' as const };
const clients: RoomClient[] = [];

/** A visitor's chat of support room `help`, joined and caught up. */
async function visit(
  options: {
    handoff?: boolean;
    welcome?: string;
    starters?: string[];
    messages?: Message[];
    theme?: 'light' | 'dark';
  } = {},
) {
  const server = new FakeRoomServer();
  server.support = {
    handoff: options.handoff ?? true,
    ...(options.welcome ? { welcome: options.welcome } : {}),
    ...(options.starters ? { starters: options.starters } : {}),
  };
  const channels = fakeChannels();
  const client = new RoomClient({
    server: 'https://chat.test',
    room: 'help',
    user: { name: 'Ada' },
    fetch: server.fetch,
    createChannel: channels.create,
    storage: memoryStorage(),
  });
  clients.push(client);
  const chat = await mountChat(client, { mode: 'inline', theme: options.theme ?? 'light' });
  await until(() => expect(channels.channels).to.have.length(1));
  server.conversations.get('c_1')!.messages.push(...(options.messages ?? []));
  channels.last.status('SUBSCRIBED');
  await until(() => expect(client.state().status).to.equal('open'));
  await settle(chat);
  return { server, channel: channels.last, client, chat };
}

const text = (element: Element | null | undefined) =>
  element?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const notice = (chat: ChorusChat) => text(get(chat, '.notice'));
const bubble = (chat: ChorusChat, id: string) => get(chat, `article[data-id="${id}"]`);
const handoffButton = (chat: ChorusChat) =>
  find<HTMLButtonElement>(chat, '[part="handoff-button"]');

afterEach(async () => {
  unmountAll();
  await Promise.all(clients.splice(0).map((client) => client.disconnect()));
});

describe('<chorus-chat> in a support room', () => {
  it('talks in the visitor’s own conversation: the session’s room, not the room attribute', async () => {
    const { server, channel, chat } = await visit({
      messages: [humanMessage({ id: 'h1', roomId: 'c_1', content: 'Earlier question' })],
    });
    expect(channel.options.roomId).to.equal('c_1');
    expect(text(bubble(chat, 'h1'))).to.contain('Earlier question');
    get<HTMLTextAreaElement>(chat, 'textarea').focus();
    await sendKeys({ type: 'Where is my order?' });
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(server.conversations.get('c_1')?.messages.map((m) => m.content)).to.deep.equal([
        'Earlier question',
        'Where is my order?',
      ]),
    );
    const paths = server.requests
      .filter((request) => request.path !== '/api/session')
      .map((request) => `${request.method} ${request.path.split('?')[0]}`);
    expect(paths).to.deep.equal([
      'GET /api/rooms/c_1',
      'GET /api/rooms/c_1/messages',
      'POST /api/rooms/c_1/messages',
    ]);
    expect(server.messages).to.deep.equal([]); // nothing went to the support room itself
  });

  for (const theme of ['light', 'dark'] as const)
    it(`shows staff as staff: "Grace from the team" with its own style, and a team badge in presence (${theme})`, async () => {
      const { channel, chat } = await visit({ theme });
      channel.broadcast('message', {
        message: humanMessage({
          id: 's1',
          roomId: 'c_1',
          author: { kind: 'human', ...GRACE_STAFF },
          content: 'Hi, I can help.',
        }),
      });
      channel.broadcast('message', {
        message: humanMessage({ id: 'h2', roomId: 'c_1', content: 'Thanks' }),
      });
      channel.presence([
        { kind: 'human', id: 'guest:1', name: 'Ada' },
        { kind: 'human', ...GRACE_STAFF },
      ]);
      await settle(chat);
      const staff = bubble(chat, 's1');
      expect(text(staff.querySelector('[part="message__author"]'))).to.equal('Grace from the team');
      expect(staff.getAttribute('part')?.split(' ')).to.include('message--staff');
      expect(bubble(chat, 'h2').getAttribute('part')?.split(' ')).not.to.include('message--staff');
      // A distinct look: not the surface of other people's messages.
      expect(getComputedStyle(staff).backgroundColor).not.to.equal(
        getComputedStyle(bubble(chat, 'h2')).backgroundColor,
      );
      const people = findAll(chat, '[part="presence"] .person').map(text);
      expect(people).to.deep.equal(['Ada (you)', 'Grace team']);
      expect(await axeViolations(chat)).to.deep.equal([]);
    });

  it('asks for a person from the keyboard, then shows waiting, who answers, and closed', async () => {
    const { server, channel, chat } = await visit();
    expect(notice(chat)).to.equal('');
    const button = handoffButton(chat)!;
    expect(text(button)).to.equal('Talk to a person');
    get<HTMLTextAreaElement>(chat, 'textarea').focus();
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    expect(deepActiveElement()).to.equal(button);
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(notice(chat)).to.equal('Waiting for a person… the assistants are paused'),
    );
    expect(server.requestsTo('/api/rooms/c_1/handoff', 'POST').map((r) => r.body)).to.deep.equal([
      { to: 'human' },
    ]);
    expect(handoffButton(chat)).to.equal(null);
    expect(get(chat, '.notice').getAttribute('role')).to.equal('status');
    expect(await axeViolations(chat)).to.deep.equal([]);

    channel.broadcast('conversation-status', { status: 'human', by: GRACE_STAFF });
    await settle(chat);
    expect(notice(chat)).to.equal('Grace from the team is answering');
    channel.broadcast('conversation-status', { status: 'closed', by: GRACE_STAFF });
    await settle(chat);
    expect(notice(chat)).to.equal('This conversation was closed');
    channel.broadcast('conversation-status', { status: 'bot', by: GRACE_STAFF });
    await settle(chat);
    expect(notice(chat)).to.equal('');
    expect(handoffButton(chat)).not.to.equal(null);
  });

  it('after a reconnect, shows the status as it is now, still naming who answers if unchanged', async () => {
    const { server, channel, client, chat } = await visit();
    channel.broadcast('conversation-status', { status: 'human', by: GRACE_STAFF });
    server.conversations.get('c_1')!.status = 'human';
    await settle(chat);
    const rejoin = async () => {
      channel.status('CHANNEL_ERROR', new Error('socket closed'));
      channel.status('SUBSCRIBED');
      await until(() => expect(client.state().status).to.equal('open'));
      await settle(chat);
    };
    await rejoin();
    expect(notice(chat)).to.equal('Grace from the team is answering');
    server.conversations.get('c_1')!.status = 'closed'; // closed while the visitor was away
    await rejoin();
    expect(notice(chat)).to.equal('This conversation was closed');
  });

  it('greets an empty conversation with the room’s welcome and starters; a starter is sent as asked', async () => {
    const { server, chat } = await visit({
      welcome: 'Hi! How can we help?',
      starters: ['Where is my order?', 'How long does delivery take?'],
    });
    expect(text(get(chat, '.empty'))).to.equal('Hi! How can we help?');
    const starters = findAll<HTMLButtonElement>(chat, '.starter');
    expect(starters.map(text)).to.deep.equal([
      'Where is my order?',
      'How long does delivery take?',
    ]);
    expect(await axeViolations(chat)).to.deep.equal([]);
    starters[1]!.focus();
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(server.conversations.get('c_1')?.messages.map((m) => m.content)).to.deep.equal([
        'How long does delivery take?',
      ]),
    );
    await settle(chat);
    expect(find(chat, '.empty')).to.equal(null);
    expect(findAll(chat, '.starter')).to.deep.equal([]);
  });

  it('offers no "Talk to a person" where the room does not allow it', async () => {
    const { chat } = await visit({ handoff: false });
    expect(handoffButton(chat)).to.equal(null);
    expect(notice(chat)).to.equal('');
  });

  it('says it in French', async () => {
    const { channel, chat } = await visit();
    chat.strings = FR;
    await settle(chat);
    expect(text(handoffButton(chat))).to.equal('Parler à une personne');
    channel.broadcast('conversation-status', { status: 'human', by: GRACE_STAFF });
    await settle(chat);
    expect(notice(chat)).to.equal('Grace de l’équipe vous répond');
  });

  it('keeps a removed message in its place as "message removed", live and when loaded', async () => {
    const loaded: Message = {
      ...humanMessage({ id: 'h0', roomId: 'c_1', author: { kind: 'human', ...GRACE_STAFF } }),
      content: '',
      status: 'deleted',
    };
    const reply: Message = {
      ...agentMessage({ id: 'r1', roomId: 'c_1', author: SAGE }),
      status: 'complete',
      content: 'Something wrong',
    };
    const after = humanMessage({ id: 'h2', roomId: 'c_1', content: 'ok' });
    const { channel, chat } = await visit({ messages: [loaded, reply, after] });
    const ids = () => findAll(chat, 'article').map((article) => article.dataset['id']);
    expect(text(bubble(chat, 'h0').querySelector('[part="message__content"]'))).to.equal(
      'message removed',
    );
    expect(text(bubble(chat, 'r1'))).to.contain('Something wrong');
    expect(find(bubble(chat, 'r1'), '[part="message__actions"]')).not.to.equal(null);

    channel.broadcast('message-deleted', { id: 'r1' });
    await settle(chat);
    expect(ids()).to.deep.equal(['h0', 'r1', 'h2']);
    const removed = bubble(chat, 'r1');
    expect(text(removed.querySelector('[part="message__content"]'))).to.equal('message removed');
    expect(text(removed)).not.to.contain('Something wrong');
    expect(find(removed, '[part="message__actions"]')).to.equal(null); // no Regenerate of a removed reply
    expect(await axeViolations(chat)).to.deep.equal([]);
  });

  it('disables the composer while muted, says until when, and lifts it when told', async () => {
    const { channel, chat } = await visit();
    const textarea = () => get<HTMLTextAreaElement>(chat, 'textarea');
    channel.broadcast('participant-muted', { participantId: 'guest:99', muted: true, until: null });
    await settle(chat);
    expect(textarea().disabled).to.equal(false);

    channel.broadcast('participant-muted', { participantId: 'guest:1', muted: true, until: null });
    await settle(chat);
    expect(notice(chat)).to.equal('You have been muted');
    expect(textarea().disabled).to.equal(true);
    expect(get<HTMLButtonElement>(chat, '[part="send-button"]').disabled).to.equal(true);
    expect(await axeViolations(chat)).to.deep.equal([]);

    channel.broadcast('participant-muted', { participantId: 'guest:1', muted: false, until: null });
    await settle(chat);
    expect(notice(chat)).to.equal('');
    expect(textarea().disabled).to.equal(false);

    // A mute with an end lifts itself then.
    const until = new Date(Date.now() + 1_500);
    channel.broadcast('participant-muted', {
      participantId: 'guest:1',
      muted: true,
      until: until.toISOString(),
    });
    await settle(chat);
    const shown = until.toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
    expect(notice(chat)).to.equal(`You have been muted until ${shown}`);
    expect(textarea().disabled).to.equal(true);
    await settle(chat);
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    await settle(chat);
    expect(textarea().disabled).to.equal(false);
    expect(notice(chat)).to.equal('');
  });

  for (const [status, code, shown] of [
    [403, 'muted', 'Not sent: You have been muted'],
    [
      429,
      'rate_limited',
      'Not sent: You are sending messages too fast. Wait a moment, then try again.',
    ],
  ] as const) {
    it(`tells the person why a post was refused (${status} ${code}), not a bare "Not sent"`, async () => {
      const { server, chat } = await visit();
      server.fail(
        (request) => request.method === 'POST' && request.path.endsWith('/messages'),
        status,
        code,
      );
      await chat.send('Hello?');
      await settle(chat);
      const failed = get(chat, 'article.message--own');
      expect(text(failed.querySelector('[part="message__status"]'))).to.equal(shown);
    });
  }
});
