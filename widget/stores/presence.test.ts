import { cleanStores, keepMount, type ReadableAtom } from 'nanostores';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentMessage, messageStart, SAGE } from '../test-support/messages.ts';
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

describe('presence store', () => {
  it('lists the room’s agents with their status and the people here, us first', () => {
    const { stub, state } = setup();
    const $participants = mount(state.presence.$participants);
    stub.setPresence([
      { kind: 'human', id: 'guest:grace', name: 'Grace' },
      { kind: 'human', id: 'guest:ada', name: 'Ada' },
      { kind: 'agent', id: 'scout', name: 'Scout', status: 'thinking' },
    ]);
    stub.deliver('message-start', messageStart(agentMessage({ id: 'r1', author: SAGE })));
    const { agents, people } = $participants.get();
    expect(agents.map((agent) => `${agent.handle}:${agent.status}`)).toEqual(['sage:streaming', 'scout:thinking', 'muse:idle']);
    expect(people).toEqual([
      { id: 'guest:ada', name: 'Ada', self: true },
      { id: 'guest:grace', name: 'Grace', self: false },
    ]);
  });
});

