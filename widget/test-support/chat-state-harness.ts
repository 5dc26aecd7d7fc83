import { cleanStores, keepMount, type ReadableAtom } from 'nanostores';
import { vi } from 'vitest';
import { createChatState } from '../stores/chat-state.ts';
import { StubConnection } from './stub-connection.ts';

const mounted: ReadableAtom<unknown>[] = [];

/** Keeps a store mounted for the test (as a component would) and cleans it up afterwards. */
export function mount<T>(store: ReadableAtom<T>): ReadableAtom<T> {
  keepMount(store);
  mounted.push(store);
  return store;
}

/** A chat state over a stub connection, rendering synchronously, recording error codes. */
export function setup(stub = StubConnection.open()) {
  const errors: string[] = [];
  const state = createChatState(stub, {
    schedule: (callback) => (callback(), () => {}),
    onError: (error) => errors.push(error.code),
  });
  return { stub, state, errors };
}

/** For `afterEach`: real timers back, mounted stores cleaned. */
export function cleanUp(): void {
  vi.useRealTimers();
  cleanStores(...mounted.splice(0));
}
