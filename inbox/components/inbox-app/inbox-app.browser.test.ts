/// <reference types="mocha" />
// The inbox page in real Chromium against an in-memory server of the contract
// (docs/architecture.md §8): sign-in, the live list, one conversation worked by staff, the phone
// layout and the keyboard.
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { expect } from 'chai';
import { conversationUpdated } from '../../test-support/conversation-events.ts';
import { humanMessage, messageStart } from '../../../protocol/test-support/messages.ts';
import { axeViolations } from '../../../widget/test-support/axe.ts';
import { deepActiveElement, get, until } from '../../../widget/test-support/mount-chat.ts';
import {
  ADMIN_KEY,
  FakeInboxServer,
  streamingReply,
  SUPPORT_ROOM,
} from '../../test-support/fake-inbox-server.ts';
import {
  find,
  findAll,
  mountInbox,
  rows,
  settleInbox,
  unmountInboxes,
} from '../../test-support/mount-inbox.ts';

const SIGNED_IN = `#key=${ADMIN_KEY}&name=Ada`;

function serverWithTwo(): FakeInboxServer {
  const server = new FakeInboxServer();
  server.addConversation('c_grace', 'Grace');
  server.addConversation('c_linus', 'Linus');
  return server;
}

async function openRow(inbox: HTMLElement, id: string): Promise<void> {
  get(inbox, `[part~="row"][data-id="${id}"]`).click();
  await settleInbox(inbox as never);
}

describe('<chorus-inbox>', () => {
  beforeEach(() => setViewport({ width: 1280, height: 800 }));
  afterEach(() => unmountInboxes());

  it('signs in from #key=…: the key leaves the address bar for sessionStorage, and staff sessions use it', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox).map((row) => row.name)).to.have.length(2));
    expect(location.hash).to.equal('');
    expect(sessionStorage.getItem('chorus:inbox:credential')).to.contain(ADMIN_KEY);
    // The admin API lists the rooms; only the support room gets a staff session.
    expect(server.requestsTo('GET', '/api/admin/rooms')[0]?.authorization).to.equal(
      `Bearer ${ADMIN_KEY}`,
    );
    const sessions = server.requestsTo('POST', '/api/session');
    expect(sessions.map((request) => request.body)).to.deep.equal([
      { room: SUPPORT_ROOM, name: 'Ada' },
    ]);
    expect(sessions[0]!.authorization).to.equal(`Bearer ${ADMIN_KEY}`);
    // The inbox channel of the support room, joined with the staff token (never the key).
    const channel = server.channel(`inbox:${SUPPORT_ROOM}`);
    expect(channel?.tokens).to.deep.equal(['staff-token-1']);
    const list = server.requestsTo('GET', `/api/rooms/${SUPPORT_ROOM}/conversations`);
    expect(list[0]?.authorization).to.equal('Bearer staff-token-1');
    expect(get(inbox, '.signed-in').textContent).to.equal('Signed in as Ada');
    // A reload of the tab signs in again without the fragment.
    unmountInboxesKeepingStorage();
    const again = await mountInbox(server);
    await until(() => expect(rows(again)).to.have.length(2));
  });

  it('signs an operator in with an identity JWT for their support room (#identity=…&room=…)', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(
      server,
      `#identity=operator.ada.sig&room=${SUPPORT_ROOM}&name=Ada`,
    );
    await until(() => expect(rows(inbox)).to.have.length(2));
    expect(location.hash).to.equal('');
    const [session] = server.requestsTo('POST', '/api/session');
    expect(session?.body).to.deep.equal({
      room: SUPPORT_ROOM,
      name: 'Ada',
      identity: 'operator.ada.sig',
    });
    expect(session?.authorization).to.equal(null);
    // An operator is not an admin: the admin API is not asked.
    expect(server.requestsTo('GET', '/api/admin/rooms')).to.deep.equal([]);
    expect(server.channel(`inbox:${SUPPORT_ROOM}`)?.tokens).to.deep.equal(['staff-token-1']);
  });

  it('brings the form back, saying why, when the room refuses the name', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server, `#key=${ADMIN_KEY}&name=Sage`);
    await until(() => expect(find(inbox, '[role="alert"]')?.textContent).to.contain('name_taken'));
    // The key stays: only the name is asked again.
    expect(find(inbox, 'input[name="key"]') === null, 'no key field').to.equal(true);
    get<HTMLInputElement>(inbox, 'input[name="name"]').value = 'Ada';
    get(inbox, 'button[type="submit"]').click();
    await until(() => expect(rows(inbox)).to.have.length(2));
  });

  it('asks for the key and a name when it has none, and a refused key brings the form back', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server);
    const key = get<HTMLInputElement>(inbox, 'input[name="key"]');
    const name = get<HTMLInputElement>(inbox, 'input[name="name"]');
    expect(await axeViolations(inbox)).to.deep.equal([]);
    key.value = 'wrong';
    name.value = 'Ada';
    get(inbox, 'button[type="submit"]').click();
    await until(() =>
      expect(find(inbox, '[role="alert"]')?.textContent).to.contain('unauthorized'),
    );
    expect(sessionStorage.getItem('chorus:inbox:credential')).to.equal(null);
    get<HTMLInputElement>(inbox, 'input[name="key"]').value = ADMIN_KEY;
    get(inbox, 'button[type="submit"]').click();
    await until(() => expect(rows(inbox)).to.have.length(2));
  });

  it('signs in when the inbox link is pasted into a tab already on the page', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server);
    expect(find(inbox, 'input[name="key"]') === null, 'the form asks for the key').to.equal(false);
    location.hash = `key=${ADMIN_KEY}&name=Ada`;
    await until(() => expect(rows(inbox)).to.have.length(2));
    expect(location.hash).to.equal('');
  });

  it('keeps the list live: waiting rises to the top, previews stream, unread counts show', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox).map((row) => row.name)).to.deep.equal(['Linus', 'Grace']));
    const channel = server.channel(`inbox:${SUPPORT_ROOM}`)!;
    const grace = server.conversations.find((row) => row.id === 'c_grace')!;
    // Grace asks for a person: her conversation goes first, flagged.
    channel.deliver(
      'conversation-updated',
      conversationUpdated(grace, { status: 'waiting', unread: 2 }),
    );
    await until(() => expect(rows(inbox).map((row) => row.name)).to.deep.equal(['Grace', 'Linus']));
    const first = rows(inbox)[0]!;
    expect(first.className).to.contain('row--waiting');
    expect(document.title).to.equal('(1) Chorus inbox');
    expect(first.unread).to.equal('2');
    expect(get(inbox, '[data-id="c_grace"] .status').textContent).to.equal('Waiting');
    // A reply streams into Linus's row, checkpoint by checkpoint.
    const linus = server.conversations.find((row) => row.id === 'c_linus')!;
    const reply = { ...streamingReply('c_linus'), content: 'Our opening hours' };
    channel.deliver('conversation-updated', conversationUpdated(linus, { lastMessage: reply }));
    await until(() => expect(rows(inbox)[1]!.preview).to.equal('Sage: Our opening hours'));
    channel.deliver(
      'conversation-updated',
      conversationUpdated(linus, {
        lastMessage: { ...reply, content: 'Our opening hours are 9 to 5.' },
      }),
    );
    await until(() =>
      expect(rows(inbox)[1]!.preview).to.equal('Sage: Our opening hours are 9 to 5.'),
    );
    // A rejoin after a loss fetches the first page again.
    const before = server.requestsTo('GET', `/api/rooms/${SUPPORT_ROOM}/conversations`).length;
    channel.status('CHANNEL_ERROR');
    await until(() => expect(get(inbox, '.live').textContent).to.equal('Reconnecting…'));
    channel.status('SUBSCRIBED');
    await until(() =>
      expect(server.requestsTo('GET', `/api/rooms/${SUPPORT_ROOM}/conversations`)).to.have.length(
        before + 1,
      ),
    );
    expect(await axeViolations(inbox)).to.deep.equal([]);
  });

  it("shows the conversation's last session summary, folded, with its date, length and count", async () => {
    const server = serverWithTwo();
    const summary = 'Grace asked where order 1234 is; Sage said it ships tomorrow.\nOpen: none.';
    server.lastSessions.set('c_grace', {
      id: 's1',
      roomId: 'c_grace',
      startedAt: '2026-11-30T10:00:00.000Z',
      endedAt: '2026-11-30T10:04:00.000Z',
      durationMs: 240_000,
      messageCount: 6,
      summary,
    });
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox)).to.have.length(2));
    await openRow(inbox, 'c_grace');
    await until(() => expect(find(inbox, '[part~="last-session"]')).to.not.equal(null));
    const details = get(inbox, '[part~="last-session"]');
    expect(get(details, 'summary').textContent).to.match(
      /^Summary of the last session \(.+, 4 min, 6 messages\)$/,
    );
    expect(get(details, 'p').textContent).to.equal(summary);
    expect((details as HTMLDetailsElement).open).to.equal(false);
    await openRow(inbox, 'c_linus');
    await until(() => expect(find(inbox, '[part~="last-session"]')).to.equal(null));
  });

  it('opens a conversation on its room channel with the staff token, streams replies and marks it read', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox)).to.have.length(2));
    await openRow(inbox, 'c_grace');
    const channel = server.channel('room:c_grace')!;
    expect(channel.tokens).to.deep.equal(['staff-token-1']);
    await until(() => expect(channel.tracked.map((meta) => meta.name)).to.deep.equal(['Ada']));
    await until(() =>
      expect(server.requestsTo('POST', '/api/rooms/c_grace/read')).to.have.length(1),
    );
    expect(server.requestsTo('POST', '/api/rooms/c_grace/read')[0]!.authorization).to.equal(
      'Bearer staff-token-1',
    );
    await until(() => expect(rows(inbox).find((row) => row.id === 'c_grace')!.unread).to.equal(''));
    await until(() =>
      expect(get(inbox, '[part~="message__content"]').textContent).to.contain('Hello from Grace'),
    );
    // Whether the visitor is on the page, and typing, comes from the channel.
    const status = () => get(inbox, '.who .status').textContent;
    expect(status()).to.equal('Agents · not on the page');
    channel.presence([{ kind: 'human', id: 'guest:grace', name: 'Grace' }]);
    await until(() => expect(status()).to.equal('Agents · here now'));
    channel.deliver('typing', { participantId: 'guest:grace', name: 'Grace', typing: true });
    await until(() => expect(status()).to.equal('Agents · Grace is typing…'));
    channel.deliver('typing', { participantId: 'guest:grace', name: 'Grace', typing: false });
    await until(() => expect(status()).to.equal('Agents · here now'));
    // An agent's reply streams in live.
    const reply = streamingReply('c_grace');
    channel.deliver('message-start', messageStart(reply));
    channel.deliver('text-delta', { id: reply.id, seq: 1, delta: 'Hi Grace, ' });
    channel.deliver('text-delta', { id: reply.id, seq: 2, delta: 'how can I help?' });
    await until(() =>
      expect(
        find(inbox, `[data-id="${reply.id}"] [part~="message__content"]`)?.textContent,
      ).to.contain('Hi Grace, how can I help?'),
    );
    // Staff may stop it.
    get(inbox, `[data-id="${reply.id}"] [part~="message__stop"]`).click();
    // Every message but a system note can be removed.
    expect(get(inbox, '[data-id="c_grace-m1"] .delete').getAttribute('aria-label')).to.equal(
      'Delete the message of Grace',
    );
    await until(() =>
      expect(server.requestsTo('POST', '/api/rooms/c_grace/stop')[0]?.body).to.deep.equal({
        messageId: reply.id,
      }),
    );
    expect(get(inbox, '[part~="row"][aria-selected="true"]').dataset['id']).to.equal('c_grace');
  });

  it('takes over, answers as staff with an @mention, deletes a message, mutes and hands back', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox)).to.have.length(2));
    await openRow(inbox, 'c_grace');
    const button = (label: string) =>
      findAll(inbox, '.actions button').find(
        (candidate) => candidate.textContent?.trim() === label,
      );
    await until(() => expect(button('Take over')).to.not.equal(undefined));
    button('Take over')!.click();
    await until(() => expect(get(inbox, '.who .status').textContent).to.contain('With the team'));
    expect(server.requestsTo('POST', '/api/rooms/c_grace/handoff')[0]?.body).to.deep.equal({
      to: 'human',
    });
    expect(rows(inbox).find((row) => row.id === 'c_grace')!.className).to.contain('row--human');
    // The composer (the widget's) has focus, offers the room's agents, and posts as staff.
    const textarea = get<HTMLTextAreaElement>(inbox, 'textarea');
    textarea.focus();
    await sendKeys({ type: 'Hello Grace, I am here. @sc' });
    await until(() =>
      expect(find(inbox, '[part~="mention-option"]')?.textContent).to.contain('@scout'),
    );
    await sendKeys({ press: 'Enter' });
    await sendKeys({ type: 'can check the stock.' });
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(server.requestsTo('POST', '/api/rooms/c_grace/messages')[0]?.body).to.include({
        content: 'Hello Grace, I am here. @scout can check the stock.',
      }),
    );
    await until(() =>
      expect(
        find(inbox, '[part~="message--staff"][part~="message--own"] [part~="message__author"]')
          ?.textContent,
      ).to.equal('Ada from the team'),
    );
    // Delete the visitor's message: it stays in place, removed.
    get(inbox, '[data-id="c_grace-m1"] .delete').click();
    await until(() =>
      expect(get(inbox, '[data-id="c_grace-m1"] .content').textContent?.trim()).to.equal(
        'Message removed',
      ),
    );
    expect(server.requestsTo('DELETE', '/api/rooms/c_grace/messages/c_grace-m1')).to.have.length(1);
    // A deletion by another operator arrives as an event.
    const channel = server.channel('room:c_grace')!;
    const staffMessage = server.messages.get('c_grace')!.at(-1)!;
    channel.deliver('message-deleted', { id: staffMessage.id });
    await until(() =>
      expect(get(inbox, `[data-id="${staffMessage.id}"] .content`).textContent?.trim()).to.equal(
        'Message removed',
      ),
    );
    button('Mute visitor')!.click();
    await until(() =>
      expect(button('Unmute visitor')?.getAttribute('aria-pressed')).to.equal('true'),
    );
    expect(
      server.requestsTo('POST', '/api/rooms/c_grace/participants/guest%3Agrace/mute')[0]?.body,
    ).to.deep.equal({ muted: true });
    button('Hand back to the agents')!.click();
    await until(() => expect(get(inbox, '.who .status').textContent).to.contain('Agents'));
    expect(server.requestsTo('POST', '/api/rooms/c_grace/handoff')[1]?.body).to.deep.equal({
      to: 'agents',
    });
    // A status change made elsewhere (the visitor asks again) reaches the open view.
    channel.deliver('conversation-status', { status: 'waiting', by: null });
    await until(() => expect(get(inbox, '.who .status').textContent).to.contain('Waiting'));
    expect(await axeViolations(inbox)).to.deep.equal([]);
  });

  it('keeps the open conversation live on the staff session: a refused token is refreshed and the post made again, a channel the server closed joined again', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox)).to.have.length(2));
    await openRow(inbox, 'c_grace');
    await until(() =>
      expect(get(inbox, '[part~="message__content"]').textContent).to.contain('Hello from Grace'),
    );
    const first = server.channel('room:c_grace')!;
    expect(first.tokens).to.deep.equal(['staff-token-1']);
    // The conversation is read with the staff session: no session of its own.
    expect(server.requestsTo('POST', '/api/session')).to.have.length(1);

    server.refuseOnce('POST', '/api/rooms/c_grace/messages');
    get<HTMLTextAreaElement>(inbox, 'textarea').focus();
    await sendKeys({ type: 'One moment, Grace.' });
    await sendKeys({ press: 'Enter' });
    await until(() =>
      expect(
        server
          .requestsTo('POST', '/api/rooms/c_grace/messages')
          .map((request) => request.authorization),
      ).to.deep.equal(['Bearer staff-token-1', 'Bearer staff-token-2']),
    );
    expect(server.requestsTo('POST', '/api/session').at(-1)!.authorization).to.equal(
      'Bearer staff-token-1',
    );
    await until(() =>
      expect(findAll(inbox, '[part~="message--own"]').map((own) => own.textContent)).to.satisfy(
        (texts: string[]) => texts.some((text) => text.includes('One moment, Grace.')),
      ),
    );
    // The refreshed token reaches the open channels.
    expect(first.tokens).to.deep.equal(['staff-token-1', 'staff-token-2']);
    expect(server.channel(`inbox:${SUPPORT_ROOM}`)!.tokens).to.deep.equal([
      'staff-token-1',
      'staff-token-2',
    ]);

    // Closed by the server (at token expiry): joined again on a new channel, with a fresh token.
    first.status('CLOSED');
    await until(() => expect(server.channel('room:c_grace')).to.not.equal(first), 5_000);
    const second = server.channel('room:c_grace')!;
    expect(first.closed).to.equal(true);
    expect(second.tokens).to.deep.equal(['staff-token-3']);
    await until(() => expect(second.tracked.map((meta) => meta.name)).to.deep.equal(['Ada']));
    second.deliver('message', {
      message: humanMessage({
        id: 'c_grace-m9',
        roomId: 'c_grace',
        author: { kind: 'human', id: 'guest:grace', name: 'Grace' },
        content: 'Still there?',
      }),
    });
    await until(() =>
      expect(
        get(inbox, '[data-id="c_grace-m9"] [part~="message__content"]').textContent,
      ).to.contain('Still there?'),
    );
  });

  it('is keyboard-first: arrows move along the list, Enter opens, Escape goes back to the row', async () => {
    const server = serverWithTwo();
    server.addConversation('c_ada', 'Anna');
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox)).to.have.length(3));
    const names = rows(inbox).map((row) => row.name);
    get(inbox, '[part~="row"]').focus();
    await sendKeys({ press: 'ArrowDown' });
    await settleInbox(inbox);
    expect(deepActiveElement()?.getAttribute('data-id')).to.equal(rows(inbox)[1]!.id);
    await sendKeys({ press: 'End' });
    await settleInbox(inbox);
    expect(deepActiveElement()?.getAttribute('data-id')).to.equal(rows(inbox)[2]!.id);
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'Enter' });
    await settleInbox(inbox);
    const opened = rows(inbox)[1]!;
    await until(() => expect(get(inbox, '.who .title').textContent).to.equal(names[1]));
    // Focus goes to the answer field; Escape comes back to the row that was open.
    await until(() => expect(deepActiveElement()?.tagName).to.equal('TEXTAREA'));
    await sendKeys({ press: 'Escape' });
    await settleInbox(inbox);
    expect(deepActiveElement()?.getAttribute('data-id')).to.equal(opened.id);
    // The focus ring is visible on the row.
    const focused = deepActiveElement() as HTMLElement;
    expect(getComputedStyle(focused).outlineStyle).to.equal('solid');
  });

  it('shows one pane at a time at 390 px, with a back button', async () => {
    await setViewport({ width: 390, height: 780 });
    const server = serverWithTwo();
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox)).to.have.length(2));
    expect(inbox.hasAttribute('narrow')).to.equal(true);
    const visible = (selector: string) => get(inbox, selector).getClientRects().length > 0;
    expect(visible('.pane--list')).to.equal(true);
    expect(visible('.pane--conversation')).to.equal(false);
    expect(await axeViolations(inbox)).to.deep.equal([]);
    await openRow(inbox, 'c_grace');
    expect(visible('.pane--list')).to.equal(false);
    expect(visible('.pane--conversation')).to.equal(true);
    const back = get(inbox, '.back');
    expect(back.getClientRects().length).to.be.greaterThan(0);
    expect(get(inbox, 'chorus-conversation-view').getBoundingClientRect().width).to.be.at.most(390);
    expect(await axeViolations(inbox)).to.deep.equal([]);
    back.click();
    await settleInbox(inbox);
    expect(visible('.pane--list')).to.equal(true);
    expect(visible('.pane--conversation')).to.equal(false);
    expect(deepActiveElement()?.getAttribute('data-id')).to.equal('c_grace');
    // The conversation's channel was left.
    expect(server.channel('room:c_grace')?.closed).to.equal(true);
  });

  it('shows a message the visitor sends while the conversation is open', async () => {
    const server = serverWithTwo();
    const inbox = await mountInbox(server, SIGNED_IN);
    await until(() => expect(rows(inbox)).to.have.length(2));
    await openRow(inbox, 'c_linus');
    const channel = server.channel('room:c_linus')!;
    await until(() => expect(channel.tracked).to.have.length(1));
    const message = humanMessage({
      id: 'c_linus-m2',
      roomId: 'c_linus',
      author: { kind: 'human', id: 'guest:linus', name: 'Linus' },
      content: 'Are you there?',
    });
    channel.deliver('message', { message });
    await until(() =>
      expect(find(inbox, '[data-id="c_linus-m2"]')?.textContent).to.contain('Are you there?'),
    );
  });
});

/** Removes the inbox elements but keeps the tab's sessionStorage (a reload). */
function unmountInboxesKeepingStorage(): void {
  for (const element of document.querySelectorAll('chorus-inbox')) element.remove();
}
