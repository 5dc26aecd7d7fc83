import { cleanUp, mount, setup } from '../test-support/chat-state-harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentMessage,
  GRACE,
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
});
