import { describe, expect, it } from 'vitest';
import type { ChatTurn } from './chat-model.ts';
import { pairToolTurns } from './paired-tool-turns.ts';

const call = (callId: string) => ({ callId, name: 'calculator', args: { expression: '1+1' } });
const result = (callId: string): ChatTurn => ({
  role: 'tool',
  callId,
  name: 'calculator',
  content: '2',
});

describe('pairToolTurns', () => {
  it('keeps a complete tool loop as it is', () => {
    const turns: ChatTurn[] = [
      { role: 'user', content: 'What is 1+1?' },
      { role: 'assistant', content: '', toolCalls: [call('a'), call('b')] },
      result('a'),
      result('b'),
    ];

    expect(pairToolTurns(turns)).toEqual(turns);
  });

  it('drops results that answer no call right before them, and duplicates', () => {
    const turns: ChatTurn[] = [
      result('orphan'),
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Sure.', toolCalls: [call('a')] },
      result('a'),
      result('a'),
      result('elsewhere'),
    ];

    expect(pairToolTurns(turns)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Sure.', toolCalls: [call('a')] },
      result('a'),
    ]);
  });

  it('drops calls that never got a result, keeping the text of their turn', () => {
    const turns: ChatTurn[] = [
      { role: 'assistant', content: 'Checking.', toolCalls: [call('a'), call('b')] },
      result('b'),
      { role: 'assistant', content: '', toolCalls: [call('c')] },
      { role: 'assistant', content: 'Let me look.', toolCalls: [call('d')] },
      { role: 'user', content: 'Well?' },
    ];

    expect(pairToolTurns(turns)).toEqual([
      { role: 'assistant', content: 'Checking.', toolCalls: [call('b')] },
      result('b'),
      { role: 'assistant', content: 'Let me look.' },
      { role: 'user', content: 'Well?' },
    ]);
  });
});
