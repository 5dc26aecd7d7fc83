import { cleanUp, mount, setup } from '../test-support/chat-state-harness.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GRACE, humanMessage } from '../../protocol/test-support/messages.ts';

afterEach(cleanUp);

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

