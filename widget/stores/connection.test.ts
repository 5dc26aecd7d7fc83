import { cleanStores, keepMount, type ReadableAtom } from 'nanostores';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

describe('connection store', () => {
  it('mirrors the connection state, session and room', () => {
    const { stub, state } = setup(new StubConnection());
    const statuses: string[] = [];
    mount(state.status.$connection).subscribe((value) => statuses.push(value.status));
    mount(state.status.$room);
    stub.connect();
    stub.setState({ status: 'reconnecting', attempt: 1 });
    state.status.reconnect();
    expect(statuses).toEqual(['idle', 'open', 'reconnecting']);
    expect(stub.reconnects).toBe(1);
    expect(state.status.$room.get()?.agents).toHaveLength(3);
  });
});

