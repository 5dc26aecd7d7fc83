import { cleanStores, keepMount, type ReadableAtom } from 'nanostores';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentMessage, GRACE, humanMessage, messageStart } from '../test-support/messages.ts';
import { StubConnection } from '../test-support/stub-connection.ts';
import { createChatState } from './chat-state.ts';

const mounted: ReadableAtom<unknown>[] = [];
function mount<T>(store: ReadableAtom<T>): ReadableAtom<T> {
  keepMount(store);
  mounted.push(store);
  return store;
}

function setup(stub = StubConnection.open()) {
  const errors: string[] = [];
  const state = createChatState(stub, { schedule: (callback) => (callback(), () => {}), onError: (error) => errors.push(error.code) });
  return { stub, state, errors };
}

afterEach(() => {
  vi.useRealTimers();
  cleanStores(...mounted.splice(0));
});

describe('unread store', () => {
  it('counts finished messages of others while unseen, and clears when seen', () => {
    const { stub, state } = setup();
    const counts: number[] = [];
    mount(state.unread.$unread).subscribe((count) => counts.push(count));
    stub.deliver('message', { message: humanMessage({ id: 'h1', author: GRACE }) });
    stub.deliver('message', { message: humanMessage({ id: 'h2' }) }); // ours
    stub.deliver('message-start', messageStart(agentMessage({ id: 'r1' })));
    stub.deliver('text-delta', { id: 'r1', seq: 1, delta: 'x' });
    stub.deliver('message-end', { message: { ...agentMessage({ id: 'r1' }), status: 'complete', content: 'x', seq: 1 } });
    stub.deliver('message-end', { message: { ...agentMessage({ id: 'r2' }), status: 'cancelled' } });
    state.unread.setSeen(true);
    stub.deliver('message', { message: humanMessage({ id: 'h3', author: GRACE }) });
    state.unread.setSeen(false);
    stub.deliver('message', { message: humanMessage({ id: 'h4', author: GRACE }) });
    expect(counts).toEqual([0, 1, 2, 0, 1]);
  });
});

