import { describe, expect, it } from 'vitest';
import type { ChatTurn } from '../chat-model.ts';
import {
  isToolLoopMissingThinking,
  thinkingMetadata,
  toAnthropicMessages,
  TRANSCRIPT_OPENING,
} from './anthropic-messages.ts';

describe('toAnthropicMessages', () => {
  it('puts tool results before text in the user message that follows a tool call', () => {
    const turns: ChatTurn[] = [
      { role: 'user', content: 'What is 2+2?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ callId: 't1', name: 'calculator', args: { expression: '2+2' } }],
      },
      { role: 'user', name: 'Bob', content: 'While you compute: hi!' },
      { role: 'tool', callId: 't1', name: 'calculator', content: '4' },
    ];

    // Bob's message between the call and its result breaks the pairing: the call is dropped.
    expect(toAnthropicMessages(turns)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is 2+2?' },
          { type: 'text', text: 'Bob: While you compute: hi!' },
        ],
      },
    ]);

    const paired: ChatTurn[] = [
      turns[0] as ChatTurn,
      turns[1] as ChatTurn,
      turns[3] as ChatTurn,
      turns[2] as ChatTurn,
    ];
    expect(toAnthropicMessages(paired).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: '4' },
        { type: 'text', text: 'Bob: While you compute: hi!' },
      ],
    });
  });

  it('opens with a user message and skips empty turns', () => {
    expect(
      toAnthropicMessages([
        { role: 'assistant', content: 'Hello room.' },
        { role: 'assistant', content: '   ' },
        { role: 'user', content: '' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toEqual([
      { role: 'user', content: [{ type: 'text', text: TRANSCRIPT_OPENING }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello room.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
    ]);
  });

  it('sends tool input as an object even when the model sent unparseable arguments', () => {
    const messages = toAnthropicMessages([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ callId: 't1', name: 'calculator', args: '{broken' }],
      },
      { role: 'tool', callId: 't1', name: 'calculator', content: 'invalid arguments' },
    ]);

    expect(messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 't1', name: 'calculator', input: {} }],
    });
  });
});

describe('isToolLoopMissingThinking', () => {
  const loop = (providerMetadata?: Record<string, unknown>): ChatTurn[] => [
    { role: 'user', content: 'What is 2+2?' },
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ callId: 't1', name: 'calculator', args: {}, providerMetadata }],
    },
    { role: 'tool', callId: 't1', name: 'calculator', content: '4' },
  ];

  it('is true only inside a tool loop whose thinking was not kept', () => {
    expect(isToolLoopMissingThinking(loop())).toBe(true);
    expect(
      isToolLoopMissingThinking(
        loop(thinkingMetadata([{ type: 'thinking', thinking: 'Hm.', signature: 's' }])),
      ),
    ).toBe(false);
    expect(
      isToolLoopMissingThinking(loop({ anthropic: { thinkingBlocks: [{ type: 'thinking' }] } })),
    ).toBe(true);
    expect(isToolLoopMissingThinking([{ role: 'user', content: 'Hi' }])).toBe(false);
  });
});
