import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fakes/fake-openai.ts';
import {
  chatRequest,
  collectParts,
  partTypes,
  streamError,
  streamedReasoning,
  streamedText,
} from '../../../test/providers/stream-helpers.ts';
import type { ChatToolSpec, ChatTurn } from '../chat-model.ts';
import { describeChatModelContract } from '../chat-model.contract.ts';
import { OpenAIChatModel } from './openai-chat-model.ts';

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
  provider: 'openai',
  startFake: () => startFakeOpenAI(),
  createModel: (options) => new OpenAIChatModel(options),
  baseUrlFor: (origin) => `${origin}/v1`,
  requestPath: '/v1/chat/completions',
  plainRequestBody: { stream_options: { include_usage: true } },
  // The fake is a compatible server, so the limit goes in `max_tokens` (see the official endpoint below).
  callSettingsBody: ({ temperature, maxOutputTokens }) => ({
    temperature,
    max_tokens: maxOutputTokens,
  }),
  retryableStreamErrorType: 'server_error',
});

let fake: FakeOpenAI;
let model: OpenAIChatModel;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  model = new OpenAIChatModel({ apiKey: 'sk-test-secret', baseURL: fake.url });
});
afterEach(async () => {
  await fake.close();
});

/** An adapter for the official endpoint, its requests redirected to the fake through the `fetch` option. */
function officialModel(): OpenAIChatModel {
  return new OpenAIChatModel({
    apiKey: 'unused',
    fetch: (input, init) =>
      fetch(String(input).replace('https://api.openai.com/v1', fake.url), init),
  });
}

describe('OpenAIChatModel', () => {
  it('sends the whole transcript, with each speaker named in the text', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', name: 'Ada', content: 'My name is Ada and I like Postgres.' },
      { role: 'user', name: 'Critic', content: 'Postgres for a queue? Prove it.' },
      { role: 'assistant', content: 'It has SKIP LOCKED.' },
      { role: 'user', name: 'Ada', content: 'What did I say I like?' },
    ];

    await collectParts(model, chatRequest({ system: 'You are Sage (@sage).', turns }));

    expect(fake.requests[0]?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'You are Sage (@sage).' },
        { role: 'user', content: 'Ada: My name is Ada and I like Postgres.' },
        { role: 'user', content: 'Critic: Postgres for a queue? Prove it.' },
        { role: 'assistant', content: 'It has SKIP LOCKED.' },
        { role: 'user', content: 'Ada: What did I say I like?' },
      ],
    });
  });

  it('reassembles streamed tool-call arguments and sends the result back in the follow-up', async () => {
    fake.enqueue(
      {
        text: 'Let me compute.',
        toolCalls: [{ id: 'call_1', name: 'calculator', args: { expression: '12*7' } }],
        chunkSize: 3,
      },
      { text: '12*7 is 84.' },
    );
    const turns: ChatTurn[] = [{ role: 'user', name: 'Ada', content: 'What is 12*7?' }];

    const first = await collectParts(model, chatRequest({ turns, tools: [CALCULATOR] }));

    expect(partTypes(first)).toEqual([
      'text-delta',
      'text-delta',
      'text-delta',
      'text-delta',
      'text-delta',
      'tool-call',
      'finish',
    ]);
    expect(first.slice(-2)).toEqual([
      { type: 'tool-call', callId: 'call_1', name: 'calculator', args: { expression: '12*7' } },
      { type: 'finish', reason: 'tool-calls', usage: expect.any(Object) },
    ]);
    expect(fake.requests[0]?.body).toMatchObject({
      tools: [
        {
          type: 'function',
          function: {
            name: 'calculator',
            description: CALCULATOR.description,
            parameters: CALCULATOR.parameters,
          },
        },
      ],
    });

    const followUp: ChatTurn[] = [
      ...turns,
      {
        role: 'assistant',
        content: 'Let me compute.',
        toolCalls: [{ callId: 'call_1', name: 'calculator', args: { expression: '12*7' } }],
      },
      { role: 'tool', callId: 'call_1', name: 'calculator', content: '{"result":{"value":84}}' },
    ];
    const second = await collectParts(model, chatRequest({ turns: followUp, tools: [CALCULATOR] }));

    expect(streamedText(second)).toBe('12*7 is 84.');
    expect(fake.requests[1]?.body).toMatchObject({
      messages: [
        { role: 'system' },
        { role: 'user', content: 'Ada: What is 12*7?' },
        {
          role: 'assistant',
          content: 'Let me compute.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'calculator', arguments: '{"expression":"12*7"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"result":{"value":84}}' },
      ],
    });
  });

  it('streams reasoning_content deltas as reasoning before the text', async () => {
    fake.enqueue({ reasoning: 'Thinking it over.', text: 'Done.' });

    const parts = await collectParts(model, chatRequest());

    expect(streamedReasoning(parts)).toBe('Thinking it over.');
    expect(parts.findIndex((part) => part.type === 'text-delta')).toBeGreaterThan(
      parts.findLastIndex((part) => part.type === 'reasoning-delta'),
    );
  });

  it('streams `reasoning` deltas (Ollama, OpenRouter) as reasoning too', async () => {
    const ollama = await startFakeOpenAI({ reasoningField: 'reasoning' });
    try {
      ollama.enqueue({ reasoning: 'Hmm.', text: 'Yes.' });
      const parts = await collectParts(
        new OpenAIChatModel({ apiKey: 'unused', baseURL: ollama.url }),
        chatRequest(),
      );
      expect(streamedReasoning(parts)).toBe('Hmm.');
      expect(streamedText(parts)).toBe('Yes.');
    } finally {
      await ollama.close();
    }
  });

  it('reads the bare-string error bodies some compatible servers send', async () => {
    fake.enqueue({
      status: 404,
      body: { error: 'model "llama9" not found, try pulling it first' },
    });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error.message).toContain('model "llama9" not found');
    expect(error.message).toContain('OpenAI-compatible server');
  });

  it('limits output with max_tokens on compatible servers and max_completion_tokens on OpenAI, with the temperature on both', async () => {
    await collectParts(
      model,
      chatRequest({ model: 'llama3.2', temperature: 0.7, maxOutputTokens: 100 }),
    );
    await collectParts(
      officialModel(),
      chatRequest({ model: 'gpt-4o-mini', temperature: 0.7, maxOutputTokens: 100 }),
    );

    expect(fake.requests[0]?.body).toMatchObject({ temperature: 0.7, max_tokens: 100 });
    expect(fake.requests[0]?.body).not.toHaveProperty('max_completion_tokens');
    expect(fake.requests[1]?.body).toMatchObject({ temperature: 0.7, max_completion_tokens: 100 });
    expect(fake.requests[1]?.body).not.toHaveProperty('max_tokens');
  });

  it.each(['o4-mini', 'o3', 'gpt-5-mini', 'gpt-6', 'openai/o1'])(
    'gives the reasoning model %s no temperature, which it refuses, and its limit as max_completion_tokens, on any endpoint',
    async (reasoningModel) => {
      const request = chatRequest({
        model: reasoningModel,
        temperature: 0.3,
        maxOutputTokens: 100,
      });

      const compatible = await collectParts(model, request);
      const official = await collectParts(officialModel(), request);

      expect(partTypes(compatible).at(-1)).toBe('finish');
      expect(partTypes(official).at(-1)).toBe('finish');
      for (const { body } of fake.requests) {
        expect(body).toMatchObject({ model: reasoningModel, max_completion_tokens: 100 });
        expect(body).not.toHaveProperty('temperature');
        expect(body).not.toHaveProperty('max_tokens');
      }
    },
  );

  it('gives gpt-5-chat, which is no reasoning model, its temperature', async () => {
    await collectParts(
      officialModel(),
      chatRequest({ model: 'gpt-5-chat-latest', temperature: 0.3 }),
    );

    expect(fake.requests[0]?.body).toMatchObject({ temperature: 0.3 });
  });
});
