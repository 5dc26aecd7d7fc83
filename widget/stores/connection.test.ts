import { cleanUp, mount, setup } from '../test-support/chat-state-harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { StubConnection } from '../test-support/stub-connection.ts';

afterEach(cleanUp);

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
