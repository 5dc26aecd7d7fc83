import { cleanStores, keepMount, type ReadableAtom } from 'nanostores';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GRACE, humanMessage } from '../test-support/messages.ts';
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

describe('typing store', () => {
  it('shows others typing, expires them after 5 s without refresh, and drops them on false or on their message', () => {
    vi.useFakeTimers();
    const { stub, state } = setup();
    const $typing = mount(state.typing.$typing);
    stub.deliver('typing', { participantId: 'guest:grace', name: 'Grace', typing: true });
    stub.deliver('typing', { participantId: 'guest:linus', name: 'Linus', typing: true });
    expect($typing.get()).toEqual(['Grace', 'Linus']);
    vi.advanceTimersByTime(4_000);
    stub.deliver('typing', { participantId: 'guest:grace', name: 'Grace', typing: true }); // refreshed
    vi.advanceTimersByTime(1_500);
    expect($typing.get()).toEqual(['Grace']); // Linus expired
    stub.deliver('message', { message: humanMessage({ id: 'h1', author: GRACE }) });
    expect($typing.get()).toEqual([]);
    stub.deliver('typing', { participantId: 'guest:linus', name: 'Linus', typing: true });
    stub.deliver('typing', { participantId: 'guest:linus', name: 'Linus', typing: false });
    expect($typing.get()).toEqual([]);
  });

  it('forwards local typing to the connection', () => {
    const { stub, state } = setup();
    state.composer.input('h', 1);
    state.composer.input('', 0);
    expect(stub.typingSent).toEqual([true, false]);
  });
});

