import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.ts';
import { fakeThinkingSignature, startFakeAnthropic, type FakeAnthropic } from '../../../test/fakes/fake-anthropic.ts';
import {
  chatRequest,
  collectParts,
  partTypes,
  streamError,
  streamedReasoning,
  streamedText,
} from '../../../test/providers/stream-helpers.ts';
import type { ChatStreamPart, ChatToolSpec, ChatTurn, ProviderMetadata } from '../chat-model.ts';
import { ProviderError } from '../provider-error.ts';
import { AnthropicChatModel, DEFAULT_MAX_OUTPUT_TOKENS } from './anthropic-chat-model.ts';

const CALCULATOR: ChatToolSpec = {
  name: 'calculator',
  description: 'Evaluates an arithmetic expression.',
  parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] },
};

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
  it('streams text deltas in order, then finishes with usage from message_start and message_delta', async () => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, usage: { inputTokens: 21, outputTokens: 4 } });

    const parts = await collectParts(model, chatRequest({ model: 'claude-test-model' }));

    expect(parts).toEqual([
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo ' },
      { type: 'text-delta', delta: 'the' },
      { type: 'text-delta', delta: 're' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 21, outputTokens: 4 } },
    ]);
    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/messages');
    expect(request?.body).toMatchObject({
      model: 'claude-test-model',
      stream: true,
      max_tokens: DEFAULT_MAX_OUTPUT_TOKENS,
      system: 'You are Sage (@sage).',
    });
    expect(request?.body).not.toHaveProperty('thinking');
    expect(request?.hasAuthorization).toBe(true);
    expect(JSON.stringify(request)).not.toContain('sk-ant-test-secret');
  });

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
      { text: 'Computing.', toolCalls: [{ id: 'toolu_1', name: 'calculator', args: { expression: '12*7' } }], chunkSize: 3 },
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
      tools: [{ name: 'calculator', description: CALCULATOR.description, input_schema: CALCULATOR.parameters }],
    });

    const followUp: ChatTurn[] = [
      ...turns,
      { role: 'assistant', content: 'Computing.', toolCalls: [{ callId: 'toolu_1', name: 'calculator', args: { expression: '12*7' } }] },
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
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '{"result":{"value":84}}' }] },
      ],
    });
  });

  it('enables thinking only with a budget, and streams thinking deltas as reasoning', async () => {
    const thinker = new AnthropicChatModel({ apiKey: 'unused', baseURL: fake.url, thinkingBudgetTokens: 2048 });
    fake.enqueue({ reasoning: 'Let me weigh this.', text: 'Yes.', chunkSize: 5 });

    const parts = await collectParts(thinker, chatRequest());

    expect(streamedReasoning(parts)).toBe('Let me weigh this.');
    expect(streamedText(parts)).toBe('Yes.');
    expect(partTypes(parts).indexOf('text-delta')).toBeGreaterThan(partTypes(parts).lastIndexOf('reasoning-delta'));
    expect(fake.requests[0]?.body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      max_tokens: DEFAULT_MAX_OUTPUT_TOKENS + 2048,
    });
  });

  it('hands the signed thinking back with the tool call, as Anthropic requires inside a tool loop', async () => {
    const thinker = new AnthropicChatModel({ apiKey: 'unused', baseURL: fake.url, thinkingBudgetTokens: 1024 });
    fake.enqueue({ reasoning: 'Use the calculator.', toolCalls: [{ id: 'toolu_9', name: 'calculator', args: { expression: '2+2' } }] });
    const turns: ChatTurn[] = [{ role: 'user', content: 'What is 2+2?' }];

    const first = await collectParts(thinker, chatRequest({ turns, tools: [CALCULATOR] }));
    const call = first.find((part): part is Extract<ChatStreamPart, { type: 'tool-call' }> => part.type === 'tool-call');
    expect(call?.providerMetadata).toBeDefined();

    const loop = (providerMetadata: ProviderMetadata | undefined): ChatTurn[] => [
      ...turns,
      { role: 'assistant', content: '', toolCalls: [{ callId: 'toolu_9', name: 'calculator', args: { expression: '2+2' }, providerMetadata }] },
      { role: 'tool', callId: 'toolu_9', name: 'calculator', content: '4' },
    ];
    await collectParts(thinker, chatRequest({ turns: loop(call?.providerMetadata), tools: [CALCULATOR] }));
    await collectParts(thinker, chatRequest({ turns: loop(undefined), tools: [CALCULATOR] }));

    expect(fake.requests[1]?.body).toMatchObject({
      thinking: { type: 'enabled' },
      messages: [
        {},
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Use the calculator.', signature: fakeThinkingSignature(1) },
            { type: 'tool_use', id: 'toolu_9' },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9' }] },
      ],
    });
    // Without the thinking blocks, thinking stays off for that request rather than failing.
    expect(fake.requests[2]?.body).not.toHaveProperty('thinking');
  });

  it('turns a 429 into a retryable error that says how long to wait', async () => {
    fake.enqueue({ status: 429, retryAfter: 2 });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'anthropic', statusCode: 429, isRetryable: true, retryAfterMs: 2000 });
    expect(error.message).toContain('rate_limit_error');
  });

  it.each([500, 529])('turns a %i into a retryable error', async (status) => {
    fake.enqueue({ status });

    expect(streamError(await collectParts(model, chatRequest()))).toMatchObject({ statusCode: status, isRetryable: true });
  });

  it.each([
    [400, 'invalid_request_error', 'messages: roles must alternate between "user" and "assistant"'],
    [401, 'authentication_error', 'invalid x-api-key'],
  ])('turns a %i into an error that is not retried and carries the vendor message', async (status, type, message) => {
    fake.enqueue({ status, message });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error).toMatchObject({ statusCode: status, isRetryable: false });
    expect(error.message).toContain(`${type}: ${message}`);
    expect(error.message).toMatch(/\(request req_fake_1\)$/);
  });

  it('ends with a retryable error after the partial deltas when the connection is cut', async () => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, cutAfterChunks: 2 });

    const parts = await collectParts(model, chatRequest());

    expect(partTypes(parts)).toEqual(['text-delta', 'text-delta', 'error']);
    expect(streamedText(parts)).toBe('Hello ');
    expect(streamError(parts)).toMatchObject({ isRetryable: true, statusCode: undefined });
  });

  it('treats a stream that ends without message_stop as cut short', async () => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, endAfterChunks: 1 });

    const parts = await collectParts(model, chatRequest());

    expect(partTypes(parts)).toEqual(['text-delta', 'error']);
    expect(streamError(parts).isRetryable).toBe(true);
  });

  it.each([
    ['overloaded_error', true],
    ['invalid_request_error', false],
  ])('reads a mid-stream %s event (retryable: %s)', async (type, isRetryable) => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, streamError: { afterChunks: 1, type, message: 'Something happened.' } });

    const parts = await collectParts(model, chatRequest());

    expect(partTypes(parts)).toEqual(['text-delta', 'error']);
    expect(streamError(parts)).toMatchObject({ isRetryable });
    expect(streamError(parts).message).toContain(`${type}: Something happened.`);
  });

  it('ends quietly when aborted mid-stream, and the server sees the request go away', async () => {
    fake.enqueue({ text: 'one two three four five six seven eight nine ten', chunkSize: 4, tokenDelayMs: 20 });
    const controller = new AbortController();
    const parts = [];

    for await (const part of model.stream(chatRequest({ signal: controller.signal }))) {
      parts.push(part);
      if (parts.length === 2) controller.abort();
    }

    expect(partTypes(parts)).toEqual(['text-delta', 'text-delta']);
    await fake.whenAborted();
    expect(fake.aborted).toBe(1);
  });

  it('ends quietly when aborted before the response starts', async () => {
    fake.enqueue({ text: 'Too late.', firstByteDelayMs: 5000 });
    const controller = new AbortController();
    const parts = collectParts(model, chatRequest({ signal: controller.signal }));
    await waitFor(() => fake.requests.length === 1, { what: 'the request to reach the fake' });
    controller.abort();

    expect(await parts).toEqual([]);
    await fake.whenAborted();
  });
});
