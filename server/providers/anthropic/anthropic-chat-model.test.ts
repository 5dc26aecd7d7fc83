import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeThinkingSignature,
  SAMPLING_REMOVED_IN_VERSION,
  startFakeAnthropic,
  type FakeAnthropic,
} from '../../../test/fakes/fake-anthropic.ts';
import {
  chatRequest,
  collectParts,
  partTypes,
  streamError,
  streamedReasoning,
  streamedText,
} from '../../../test/providers/stream-helpers.ts';
import type { ChatStreamPart, ChatToolSpec, ChatTurn, ProviderMetadata } from '../chat-model.ts';
import { describeChatModelContract } from '../chat-model.contract.ts';
import { AnthropicChatModel, DEFAULT_MAX_OUTPUT_TOKENS } from './anthropic-chat-model.ts';

const CALCULATOR: ChatToolSpec = {
  name: 'calculator',
  description: 'Evaluates an arithmetic expression.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string' } },
    required: ['expression'],
  },
};

describeChatModelContract({
  provider: 'anthropic',
  startFake: () => startFakeAnthropic(),
  createModel: (options) => new AnthropicChatModel(options),
  baseUrlFor: (origin) => origin,
  requestPath: '/v1/messages',
  plainRequestBody: { max_tokens: DEFAULT_MAX_OUTPUT_TOKENS, system: 'You are Sage (@sage).' },
  // No temperature: the Messages API refuses it (see the last test below).
  callSettingsBody: ({ maxOutputTokens }) => ({ max_tokens: maxOutputTokens }),
  retryableStreamErrorType: 'overloaded_error',
});

let fake: FakeAnthropic;
let model: AnthropicChatModel;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  model = new AnthropicChatModel({ apiKey: 'sk-ant-test-secret', baseURL: fake.url });
});
afterEach(async () => {
  await fake.close();
});

describe('AnthropicChatModel', () => {
  it('sends alternating roles: consecutive speakers merge into one user message, each named', async () => {
    const turns: ChatTurn[] = [
      { role: 'assistant', content: 'Welcome, everyone.' },
      { role: 'user', name: 'Ada', content: 'My name is Ada.' },
      { role: 'user', name: 'Critic', content: 'Prove it.' },
      { role: 'assistant', content: 'Noted, Ada.  ' },
      { role: 'user', name: 'Ada', content: 'What is my name?' },
    ];

    await collectParts(model, chatRequest({ turns, maxOutputTokens: 300 }));

    expect(fake.requests[0]?.body).toMatchObject({
      max_tokens: 300,
      messages: [
        { role: 'user', content: [{ type: 'text', text: '(The conversation so far follows.)' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Welcome, everyone.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Ada: My name is Ada.' },
            { type: 'text', text: 'Critic: Prove it.' },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'Noted, Ada.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Ada: What is my name?' }] },
      ],
    });
  });

  it('reassembles input_json_delta fragments and sends the result back as a tool_result block', async () => {
    fake.enqueue(
      {
        text: 'Computing.',
        toolCalls: [{ id: 'toolu_1', name: 'calculator', args: { expression: '12*7' } }],
        chunkSize: 3,
      },
      { text: 'It is 84.' },
    );
    const turns: ChatTurn[] = [{ role: 'user', name: 'Ada', content: 'What is 12*7?' }];

    const first = await collectParts(model, chatRequest({ turns, tools: [CALCULATOR] }));

    expect(streamedText(first)).toBe('Computing.');
    expect(first.slice(-2)).toEqual([
      { type: 'tool-call', callId: 'toolu_1', name: 'calculator', args: { expression: '12*7' } },
      { type: 'finish', reason: 'tool-calls', usage: expect.any(Object) },
    ]);
    expect(fake.requests[0]?.body).toMatchObject({
      tools: [
        {
          name: 'calculator',
          description: CALCULATOR.description,
          input_schema: CALCULATOR.parameters,
        },
      ],
    });

    const followUp: ChatTurn[] = [
      ...turns,
      {
        role: 'assistant',
        content: 'Computing.',
        toolCalls: [{ callId: 'toolu_1', name: 'calculator', args: { expression: '12*7' } }],
      },
      { role: 'tool', callId: 'toolu_1', name: 'calculator', content: '{"result":{"value":84}}' },
    ];
    const second = await collectParts(model, chatRequest({ turns: followUp, tools: [CALCULATOR] }));

    expect(streamedText(second)).toBe('It is 84.');
    expect(fake.requests[1]?.body).toMatchObject({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Ada: What is 12*7?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Computing.' },
            { type: 'tool_use', id: 'toolu_1', name: 'calculator', input: { expression: '12*7' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"result":{"value":84}}' },
          ],
        },
      ],
    });
  });

  it('enables thinking only with a budget, and streams thinking deltas as reasoning', async () => {
    const thinker = new AnthropicChatModel({
      apiKey: 'unused',
      baseURL: fake.url,
      thinkingBudgetTokens: 2048,
    });
    fake.enqueue({ reasoning: 'Let me weigh this.', text: 'Yes.', chunkSize: 5 });

    const parts = await collectParts(thinker, chatRequest());

    expect(streamedReasoning(parts)).toBe('Let me weigh this.');
    expect(streamedText(parts)).toBe('Yes.');
    expect(partTypes(parts).indexOf('text-delta')).toBeGreaterThan(
      partTypes(parts).lastIndexOf('reasoning-delta'),
    );
    expect(fake.requests[0]?.body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      max_tokens: DEFAULT_MAX_OUTPUT_TOKENS + 2048,
    });
    await collectParts(model, chatRequest());
    expect(fake.requests[1]?.body).not.toHaveProperty('thinking');
  });

  it('hands the signed thinking back with the tool call, as Anthropic requires inside a tool loop', async () => {
    const thinker = new AnthropicChatModel({
      apiKey: 'unused',
      baseURL: fake.url,
      thinkingBudgetTokens: 1024,
    });
    fake.enqueue({
      reasoning: 'Use the calculator.',
      toolCalls: [{ id: 'toolu_9', name: 'calculator', args: { expression: '2+2' } }],
    });
    const turns: ChatTurn[] = [{ role: 'user', content: 'What is 2+2?' }];

    const first = await collectParts(thinker, chatRequest({ turns, tools: [CALCULATOR] }));
    const call = first.find(
      (part): part is Extract<ChatStreamPart, { type: 'tool-call' }> => part.type === 'tool-call',
    );
    expect(call?.providerMetadata).toBeDefined();

    const loop = (providerMetadata: ProviderMetadata | undefined): ChatTurn[] => [
      ...turns,
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { callId: 'toolu_9', name: 'calculator', args: { expression: '2+2' }, providerMetadata },
        ],
      },
      { role: 'tool', callId: 'toolu_9', name: 'calculator', content: '4' },
    ];
    await collectParts(
      thinker,
      chatRequest({ turns: loop(call?.providerMetadata), tools: [CALCULATOR] }),
    );
    await collectParts(thinker, chatRequest({ turns: loop(undefined), tools: [CALCULATOR] }));

    expect(fake.requests[1]?.body).toMatchObject({
      thinking: { type: 'enabled' },
      messages: [
        {},
        {
          role: 'assistant',
          content: [
            {
              type: 'thinking',
              thinking: 'Use the calculator.',
              signature: fakeThinkingSignature(1),
            },
            { type: 'tool_use', id: 'toolu_9' },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9' }] },
      ],
    });
    // Without the thinking blocks, thinking stays off for that request rather than failing.
    expect(fake.requests[2]?.body).not.toHaveProperty('thinking');
  });

  it('turns a 529 (overloaded) into a retryable error', async () => {
    fake.enqueue({ status: 529 });

    expect(streamError(await collectParts(model, chatRequest()))).toMatchObject({
      statusCode: 529,
      isRetryable: true,
    });
  });

  it.each([
    [400, 'invalid_request_error', 'messages: roles must alternate between "user" and "assistant"'],
    [401, 'authentication_error', 'invalid x-api-key'],
  ])('names the error type and the request id of a %i', async (status, type, message) => {
    fake.enqueue({ status, message });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error.message).toContain(`${type}: ${message}`);
    expect(error.message).toMatch(/\(request req_fake_1\)$/);
  });

  it('sends no temperature, which the Messages API now refuses on every model, and the reply comes', async () => {
    const thinker = new AnthropicChatModel({
      apiKey: 'unused',
      baseURL: fake.url,
      thinkingBudgetTokens: 1024,
    });

    const plain = await collectParts(
      model,
      chatRequest({ temperature: 0.3, maxOutputTokens: 500 }),
    );
    const thinking = await collectParts(
      thinker,
      chatRequest({ temperature: 0.3, maxOutputTokens: 500 }),
    );

    expect([partTypes(plain).at(-1), partTypes(thinking).at(-1)]).toEqual(['finish', 'finish']);
    expect(fake.requests[0]?.body).toMatchObject({ max_tokens: 500 });
    expect(fake.requests[1]?.body).toMatchObject({
      max_tokens: 500 + 1024,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    for (const request of fake.requests) {
      expect(request.body).not.toHaveProperty('temperature');
      // Should the SDK ever speak an older version again, the temperature could go back in.
      expect(request.headers['anthropic-version']! >= SAMPLING_REMOVED_IN_VERSION).toBe(true);
    }
  });
});
