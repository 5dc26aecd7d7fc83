import type { ConversationMarker } from '../embed/conversation-marker.ts';
import { cleanUp, mount, setup } from '../test-support/chat-state-harness.ts';
import { StubConnection } from '../test-support/stub-connection.ts';
import { createUnreadStore } from './unread.ts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentMessage,
  GRACE,
  nextTime,
  humanMessage,
  messageStart,
} from '../../protocol/test-support/messages.ts';

afterEach(cleanUp);

describe('unread store', () => {
  it('counts finished messages of others while unseen, and clears when seen', () => {
    const { stub, state } = setup();
    const counts: number[] = [];
    mount(state.unread.$unread).subscribe((count) => counts.push(count));
    stub.deliver('message', { message: humanMessage({ id: 'h1', author: GRACE }) });
    stub.deliver('message', { message: humanMessage({ id: 'h2' }) }); // ours
    stub.deliver('message-start', messageStart(agentMessage({ id: 'r1' })));
    stub.deliver('text-delta', { id: 'r1', seq: 1, delta: 'x' });
    stub.deliver('message-end', {
      message: { ...agentMessage({ id: 'r1' }), status: 'complete', content: 'x', seq: 1 },
    });
    stub.deliver('message-end', {
      message: { ...agentMessage({ id: 'r2' }), status: 'cancelled' },
    });
    state.unread.setSeen(true);
    stub.deliver('message', { message: humanMessage({ id: 'h3', author: GRACE }) });
    state.unread.setSeen(false);
    stub.deliver('message', { message: humanMessage({ id: 'h4', author: GRACE }) });
    expect(counts).toEqual([0, 1, 2, 0, 1]);
  });

  it('keeps the count across a reload once the visitor has a conversation, and never counts one message twice', () => {
    let saved: ConversationMarker | null = null;
    const marker = { read: () => saved, write: (next: ConversationMarker) => (saved = next) };
    const page = (messages = StubConnection.open().messages()) => {
      const stub = StubConnection.open(messages);
      const { status } = setup(stub).state;
      const unread = createUnreadStore(stub, { $session: status.$session, marker });
      mount(status.$session);
      mount(unread.$unread);
      return { stub, unread };
    };

    // Reading a room is not a conversation: nothing is written.
    const first = page([humanMessage({ id: 'g0', author: GRACE })]);
    first.stub.deliver('message', { message: humanMessage({ id: 'g1', author: GRACE }) });
    expect(saved).toBe(null);
    // The visitor writes (the launcher closed): the conversation is marked at their message.
    const own = humanMessage({ id: 'a1' });
    first.stub.deliver('message', { message: own });
    expect(saved).toEqual({ seenAt: own.updatedAt });
    const reply = { ...agentMessage({ id: 'r1' }), status: 'complete' as const, content: 'Hi' };
    first.stub.deliver('message-end', { message: reply });
    expect(first.unread.$unread.get()).toBe(2); // g1 and r1, while closed

    // Reloaded: of the history, only the reply is newer than what the visitor saw (they wrote
    // after g1); the channel then announces the reply again, and it still counts once.
    const second = page(first.stub.messages());
    expect(second.unread.$unread.get()).toBe(1);
    second.stub.deliver('message-end', { message: { ...reply, updatedAt: nextTime() } });
    expect(second.unread.$unread.get()).toBe(1);
    second.unread.setSeen(true);
    expect(second.unread.$unread.get()).toBe(0);
    expect(saved).toEqual({ seenAt: second.stub.messages().at(-1)!.updatedAt });

    // Seen, then reloaded: nothing is unread.
    expect(page(second.stub.messages()).unread.$unread.get()).toBe(0);
  });
});
