import { cleanUp, mount, setup } from '../test-support/chat-state-harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { agentMessage, messageStart, SAGE } from '../../protocol/test-support/messages.ts';
import { StubConnection } from '../test-support/stub-connection.ts';

afterEach(cleanUp);

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
    expect(agents.map((agent) => `${agent.handle}:${agent.status}`)).toEqual([
      'sage:streaming',
      'scout:thinking',
      'muse:idle',
    ]);
    expect(people).toEqual([
      { id: 'guest:ada', name: 'Ada', self: true, staff: false, unknown: false },
      { id: 'guest:grace', name: 'Grace', self: false, staff: false, unknown: false },
    ]);
  });

  it('shows everyone as unknown while disconnected, and as heard again once reconnected', () => {
    const { stub, state } = setup();
    const $participants = mount(state.presence.$participants);
    stub.setPresence([
      { kind: 'human', id: 'guest:grace', name: 'Grace' },
      { kind: 'agent', id: 'scout', name: 'Scout', status: 'thinking' },
    ]);
    const seen = () => {
      const { agents, people } = $participants.get();
      return [
        ...agents.map((agent) => `${agent.handle}:${agent.status}`),
        ...people.map((person) => `${person.name}:${person.unknown ? 'unknown' : 'here'}`),
      ];
    };
    stub.setState({ status: 'reconnecting', attempt: 1 });
    expect(seen()).toEqual([
      'sage:unknown',
      'scout:unknown',
      'muse:unknown',
      'Ada:here',
      'Grace:unknown',
    ]);
    stub.setState({ status: 'open', attempt: 0 });
    stub.setPresence([{ kind: 'agent', id: 'scout', name: 'Scout', status: 'thinking' }]);
    expect(seen()).toEqual(['sage:idle', 'scout:thinking', 'muse:idle', 'Ada:here']);
  });

  it('knows the connection opened while nothing was showing presence yet', () => {
    const stub = StubConnection.open();
    stub.setState({ status: 'connecting', attempt: 0 });
    const { state } = setup(stub);
    stub.setState({ status: 'open', attempt: 0 });
    const $participants = mount(state.presence.$participants);
    expect($participants.get().agents.map((agent) => agent.status)).toEqual([
      'idle',
      'idle',
      'idle',
    ]);
  });

  it('marks the team: presence meta role operator or admin (set by the server), nothing else', () => {
    const { stub, state } = setup();
    const $participants = mount(state.presence.$participants);
    stub.setPresence([
      { kind: 'human', id: 'user:linus', name: 'Linus', role: 'admin' },
      { kind: 'human', id: 'user:grace', name: 'Grace', role: 'operator' },
      { kind: 'human', id: 'guest:eve', name: 'Eve', role: 'superuser' as 'admin' },
    ]);
    expect(
      $participants
        .get()
        .people.filter((person) => !person.self)
        .map((person) => `${person.name}:${person.staff}`),
    ).toEqual(['Eve:false', 'Grace:true', 'Linus:true']);
  });

  it('cuts a long name on every presence update and ignores malformed metas without throwing', () => {
    const { stub, state } = setup();
    const $participants = mount(state.presence.$participants);
    const people = () =>
      $participants
        .get()
        .people.filter((person) => !person.self)
        .map((person) => person.name);
    stub.setPresence([{ kind: 'human', id: 'guest:grace', name: 'Grace' }]);
    stub.setPresence([
      { kind: 'human', id: 'guest:grace', name: `${'G'.repeat(63)}😀${'G'.repeat(20_000)}` },
    ]);
    expect(people()).toEqual(['G'.repeat(63)]);
    const malformed = [
      null,
      'x',
      { kind: 'human' },
      { kind: 'robot', id: 'r' },
      { kind: 'human', id: 'guest:n', name: 5 },
      { kind: 'agent', id: 'sage', status: 'hacking' },
    ];
    expect(() => stub.setPresence(malformed as never)).not.toThrow();
    expect(() => stub.setPresence({ not: 'an array' } as never)).not.toThrow();
    expect(people()).toEqual([]);
    stub.setPresence(malformed as never);
    expect(people()).toEqual(['']);
    expect($participants.get().agents.find((agent) => agent.id === 'sage')?.status).toBe('idle');
  });
});
