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

  it('cuts a long name on every update, not only the first, without splitting an emoji', () => {
    vi.useFakeTimers();
    const { stub, state } = setup();
    const $typing = mount(state.typing.$typing);
    stub.deliver('typing', { participantId: 'guest:mallory', name: 'Mallory', typing: true });
    stub.deliver('typing', {
      participantId: 'guest:mallory',
      name: `${'M'.repeat(63)}😀${'M'.repeat(20_000)}`,
      typing: true,
    });
    expect($typing.get()).toEqual(['M'.repeat(63)]);
    stub.deliver('typing', {
      participantId: 'guest:mallory',
      name: `${'M'.repeat(62)}😀${'M'.repeat(20_000)}`,
      typing: true,
    });
    expect($typing.get()).toEqual([`${'M'.repeat(62)}😀`]);
  });

  it('ignores malformed typing payloads without throwing', () => {
    vi.useFakeTimers();
    const { stub, state } = setup();
    const $typing = mount(state.typing.$typing);
    const malformed: unknown[] = [
      null,
      undefined,
      'typing',
      42,
      [],
      { participantId: 7, typing: true },
      { typing: true },
      { participantId: 'guest:x', name: { html: '<b>' }, typing: 'yes' },
    ];
    for (const payload of malformed)
      expect(() => stub.deliver('typing', payload as never)).not.toThrow();
    expect(() =>
      stub.deliver('typing', { participantId: 'guest:x', name: 12 as never, typing: true }),
    ).not.toThrow();
    expect($typing.get()).toEqual(['']);
  });

  it('forwards local typing to the connection', () => {
    const { stub, state } = setup();
    state.composer.input('h', 1);
    state.composer.input('', 0);
    expect(stub.typingSent).toEqual([true, false]);
  });
});
