import { describe, expect, it } from 'vitest';
import type { Message } from '../../protocol/room.ts';
import { agentMessage, humanMessage, messageStart } from '../../protocol/test-support/messages.ts';
import { Transcript } from './transcript.ts';

const reply = agentMessage({ id: 'r1' });
const finished: Message = {
  ...reply,
  content: 'Hello world',
  seq: 3,
  status: 'complete',
  parts: [{ type: 'reasoning', text: 'think' }],
};

function started(): Transcript {
  const transcript = new Transcript();
  transcript.apply('message-start', messageStart(reply));
  return transcript;
}

describe('Transcript', () => {
  it('keeps the server order of messages created in the same millisecond', () => {
    const at = '2026-11-22T10:00:00.000Z';
    const messages = ['f', 'c', 'a', 'e', 'b', 'd'].map((id, index) => ({
      ...humanMessage({ id }),
      createdAt: at,
      position: index + 1,
    }));
    const transcript = new Transcript();
    transcript.merge([...messages].reverse());
    expect(transcript.list().map((message) => message.id)).toEqual(['f', 'c', 'a', 'e', 'b', 'd']);
  });

  it('lists messages oldest first, ties broken by id', () => {
    const transcript = new Transcript();
    const at = '2026-01-01T00:00:00.000Z';
    transcript.merge([
      humanMessage({ id: 'b', createdAt: at }),
      humanMessage({ id: 'a', createdAt: at }),
      humanMessage({ id: 'c', createdAt: '2025-12-31T00:00:00.000Z' }),
    ]);
    expect(transcript.list().map((message) => message.id)).toEqual(['c', 'a', 'b']);
  });

  it('builds a reply from message-start and deltas of every kind, sources included', () => {
    const transcript = started();
    expect(transcript.apply('reasoning-delta', { id: 'r1', seq: 1, delta: 'think' })).toEqual({
      kind: 'applied',
    });
    transcript.apply('text-delta', { id: 'r1', seq: 2, delta: 'Hello' });
    transcript.apply('tool-call', { id: 'r1', seq: 3, callId: 'c1', name: 'calc', args: { a: 1 } });
    transcript.apply('tool-result', { id: 'r1', seq: 4, callId: 'c1', result: 2 });
    transcript.apply('text-delta', { id: 'r1', seq: 5, delta: ' world' });
    const cited = { title: 'Fold 3', url: '/bikes#fold', path: 'bikes/fold-3.md', quote: 'Folds.' };
    transcript.apply('source', { id: 'r1', seq: 6, ...cited });
    expect(transcript.get('r1')).toMatchObject({
      content: 'Hello world',
      seq: 6,
      status: 'streaming',
      parts: [
        { type: 'reasoning', text: 'think' },
        { type: 'tool-call', callId: 'c1', name: 'calc', args: { a: 1 } },
        { type: 'tool-result', callId: 'c1', name: 'calc', result: 2 },
        { type: 'source', ...cited },
      ],
    });
  });

  it('ignores duplicate deltas and a repeated message-start', () => {
    const transcript = started();
    transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'Hi' });
    expect(transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'Hi' })).toEqual({
      kind: 'ignored',
    });
    expect(transcript.apply('message-start', messageStart(reply))).toEqual({ kind: 'ignored' });
    expect(transcript.get('r1')?.content).toBe('Hi');
  });

  it('reports a gap, holds the early delta and applies it when the missing one arrives (out of order)', () => {
    const transcript = started();
    expect(transcript.apply('text-delta', { id: 'r1', seq: 2, delta: ' world' })).toEqual({
      kind: 'gap',
      messageId: 'r1',
    });
    expect(transcript.get('r1')?.content).toBe('');
    expect(transcript.waiting()).toEqual(['r1']);
    expect(transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'Hello' })).toEqual({
      kind: 'applied',
    });
    expect(transcript.get('r1')).toMatchObject({ content: 'Hello world', seq: 2 });
    expect(transcript.waiting()).toEqual([]);
  });

  it('fills a gap from a refetched snapshot and applies the held deltas after it', () => {
    const transcript = started();
    transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'a' });
    expect(transcript.apply('text-delta', { id: 'r1', seq: 4, delta: 'd' }).kind).toBe('gap');
    transcript.merge([{ ...reply, content: 'abc', seq: 3 }]);
    expect(transcript.get('r1')).toMatchObject({ content: 'abcd', seq: 4 });
  });

  it('reports a gap for a delta of an unknown message, and applies it once the message-start comes', () => {
    const transcript = new Transcript();
    expect(transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'Hi' })).toEqual({
      kind: 'gap',
      messageId: 'r1',
    });
    transcript.apply('message-start', messageStart(reply));
    expect(transcript.get('r1')).toMatchObject({ content: 'Hi', seq: 1 });
  });

  it('lets message-end win, even before a missing delta, and ignores the late delta', () => {
    const transcript = started();
    transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'Hello' });
    transcript.apply('message-end', { message: finished });
    expect(transcript.apply('text-delta', { id: 'r1', seq: 2, delta: ' wor' })).toEqual({
      kind: 'ignored',
    });
    expect(transcript.get('r1')).toEqual(finished);
    expect(transcript.waiting()).toEqual([]);
  });

  it('takes message-end without a message-start (joined mid-reply)', () => {
    const transcript = new Transcript();
    transcript.apply('message-end', { message: finished });
    expect(transcript.list()).toEqual([finished]);
  });

  it('ignores a late snapshot older than the live state', () => {
    const transcript = started();
    for (const [seq, delta] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ] as const)
      transcript.apply('text-delta', { id: 'r1', seq, delta });
    transcript.merge([{ ...reply, content: 'a', seq: 1 }]);
    expect(transcript.get('r1')).toMatchObject({ content: 'abc', seq: 3 });
  });

  it('takes a late snapshot newer than the live state, then drops the deltas it already covers', () => {
    const transcript = started();
    transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'a' });
    transcript.merge([{ ...reply, content: 'abc', seq: 3 }]);
    expect(transcript.apply('text-delta', { id: 'r1', seq: 2, delta: 'b' })).toEqual({
      kind: 'ignored',
    });
    expect(transcript.apply('text-delta', { id: 'r1', seq: 4, delta: 'd' })).toEqual({
      kind: 'applied',
    });
    expect(transcript.get('r1')).toMatchObject({ content: 'abcd', seq: 4 });
  });

  it('never lets a streaming snapshot replace a finished message', () => {
    const transcript = new Transcript();
    transcript.apply('message-end', { message: finished });
    transcript.merge([{ ...reply, content: 'Hello', seq: 1 }]);
    expect(transcript.get('r1')).toEqual(finished);
  });

  it('lets a finished snapshot replace a streaming message', () => {
    const transcript = started();
    transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'Hel' });
    transcript.merge([finished]);
    expect(transcript.get('r1')).toEqual(finished);
  });

  describe('a reply recovered after a crash (interrupted, with a checkpoint up to ~1 s behind)', () => {
    const read = "I'm not sure the first plan holds: the second one costs less and ships sooner.";
    const recovered: Message = {
      ...reply,
      content: "I'm not",
      seq: 2,
      status: 'interrupted',
      updatedAt: '2026-01-01T00:01:00.000Z',
    };

    function streamed(): Transcript {
      const transcript = started();
      transcript.apply('text-delta', { id: 'r1', seq: 1, delta: "I'm not" });
      transcript.apply('text-delta', { id: 'r1', seq: 2, delta: read.slice("I'm not".length) });
      return transcript;
    }

    it('keeps the longer text already shown when its message-end carries a prefix of it, then when catch-up returns that prefix again', () => {
      const transcript = streamed();
      transcript.apply('message-end', { message: recovered });
      expect(transcript.get('r1')).toEqual({ ...recovered, content: read });
      transcript.merge([recovered]);
      expect(transcript.get('r1')).toEqual({ ...recovered, content: read });
    });

    it('keeps the longer text when catch-up brings the interrupted reply before its message-end', () => {
      const transcript = streamed();
      transcript.merge([recovered]);
      expect(transcript.get('r1')).toEqual({ ...recovered, content: read });
      transcript.apply('message-end', { message: recovered });
      expect(transcript.get('r1')).toEqual({ ...recovered, content: read });
    });

    it('takes the final text of any other status, and an interrupted text that is not a prefix of what was shown', () => {
      for (const status of ['complete', 'cancelled', 'error'] as const) {
        const transcript = streamed();
        transcript.apply('message-end', { message: { ...recovered, status } });
        expect(transcript.get('r1')?.content, status).toBe("I'm not");
      }
      for (const content of ['Something else', `${read} More.`]) {
        const final: Message = { ...recovered, content };
        const transcript = streamed();
        transcript.apply('message-end', { message: final });
        expect(transcript.get('r1')).toEqual(final);
      }
    });
  });

  it('keeps a human message once, whether from its event, a page, or both', () => {
    const transcript = new Transcript();
    const message = humanMessage({ id: 'h1' });
    transcript.apply('message', { message });
    transcript.merge([message]);
    transcript.apply('message', { message });
    expect(transcript.list()).toEqual([message]);
  });

  it('merges older pages without losing newer messages', () => {
    const transcript = new Transcript();
    const older = humanMessage({ id: 'h1', createdAt: '2025-01-01T00:00:00.000Z' });
    const newer = humanMessage({ id: 'h2', createdAt: '2025-01-02T00:00:00.000Z' });
    transcript.merge([newer]);
    transcript.merge([older]);
    expect(transcript.list().map((message) => message.id)).toEqual(['h1', 'h2']);
  });

  it('ignores events that are not transcript events', () => {
    const transcript = new Transcript();
    expect(transcript.apply('typing', { participantId: 'x', name: 'X', typing: true })).toEqual({
      kind: 'ignored',
    });
    expect(transcript.apply('room-summary', { summary: '' })).toEqual({ kind: 'ignored' });
  });

  it('removes a message staff deleted in place, for good: no text, no parts, no later deltas', () => {
    const transcript = started();
    transcript.apply('text-delta', { id: 'r1', seq: 1, delta: 'Hello' });
    const before = humanMessage({ id: 'h0', createdAt: '2000-01-01T00:00:00.000Z' });
    transcript.merge([before]);
    expect(transcript.apply('message-deleted', { id: 'r1' })).toEqual({ kind: 'applied' });
    expect(transcript.apply('message-deleted', { id: 'r1' })).toEqual({ kind: 'ignored' });
    expect(transcript.apply('message-deleted', { id: 'unknown' })).toEqual({ kind: 'ignored' });
    expect(transcript.apply('text-delta', { id: 'r1', seq: 2, delta: ' world' })).toEqual({
      kind: 'ignored',
    });
    // A snapshot fetched before the deletion, or a late end of the reply, does not bring it back.
    transcript.merge([finished]);
    transcript.apply('message-end', { message: finished });
    expect(transcript.list().map((m) => [m.id, m.status, m.content, m.parts.length])).toEqual([
      ['h0', 'complete', before.content, 0],
      ['r1', 'deleted', '', 0],
    ]);
  });

  it('returns a copy from list(), so callers cannot corrupt it', () => {
    const transcript = new Transcript();
    transcript.merge([humanMessage({ id: 'h1' })]);
    transcript.list().pop();
    expect(transcript.size).toBe(1);
  });
});
