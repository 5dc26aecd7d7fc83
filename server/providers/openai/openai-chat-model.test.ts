import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fakes/fake-openai.ts';
import {
  chatRequest,
  collectParts,
  partTypes,
  streamError,
  streamedReasoning,
  streamedText,
  unusedLocalUrl,
} from '../../../test/providers/stream-helpers.ts';
import type { ChatToolSpec, ChatTurn } from '../chat-model.ts';
import { ProviderError } from '../provider-error.ts';
import { OpenAIChatModel } from './openai-chat-model.ts';

const CALCULATOR: ChatToolSpec = {
  name: 'calculator',
  description: 'Evaluates an arithmetic expression.',
  parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] },
};

let fake: FakeOpenAI;
let model: OpenAIChatModel;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  model = new OpenAIChatModel({ apiKey: 'sk-test-secret', baseURL: fake.url });
});
afterEach(async () => {
  await fake.close();
});

describe('OpenAIChatModel', () => {
  it('streams text deltas in order, then finishes with the usage', async () => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, usage: { inputTokens: 12, outputTokens: 3 } });

    const parts = await collectParts(model, chatRequest({ model: 'gpt-4o-mini' }));

    expect(parts).toEqual([
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo ' },
      { type: 'text-delta', delta: 'the' },
      { type: 'text-delta', delta: 're' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 12, outputTokens: 3 } },
    ]);
    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect(request?.body).not.toHaveProperty('tools');
    expect(request?.hasAuthorization).toBe(true);
    expect(JSON.stringify(request)).not.toContain('sk-test-secret');
  });

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
      { text: 'Let me compute.', toolCalls: [{ id: 'call_1', name: 'calculator', args: { expression: '12*7' } }], chunkSize: 3 },
      { text: '12*7 is 84.' },
    );
    const turns: ChatTurn[] = [{ role: 'user', name: 'Ada', content: 'What is 12*7?' }];

    const first = await collectParts(model, chatRequest({ turns, tools: [CALCULATOR] }));

    expect(partTypes(first)).toEqual(['text-delta', 'text-delta', 'text-delta', 'text-delta', 'text-delta', 'tool-call', 'finish']);
    expect(first.slice(-2)).toEqual([
      { type: 'tool-call', callId: 'call_1', name: 'calculator', args: { expression: '12*7' } },
      { type: 'finish', reason: 'tool-calls', usage: expect.any(Object) },
    ]);
    expect(fake.requests[0]?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'calculator', description: CALCULATOR.description, parameters: CALCULATOR.parameters } }],
    });

    const followUp: ChatTurn[] = [
      ...turns,
      { role: 'assistant', content: 'Let me compute.', toolCalls: [{ callId: 'call_1', name: 'calculator', args: { expression: '12*7' } }] },
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
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"12*7"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"result":{"value":84}}' },
      ],
    });
  });

  it('streams reasoning_content deltas as reasoning before the text', async () => {
    fake.enqueue({ reasoning: 'Thinking it over.', text: 'Done.' });

    const parts = await collectParts(model, chatRequest());

    expect(streamedReasoning(parts)).toBe('Thinking it over.');
    expect(parts.findIndex((part) => part.type === 'text-delta')).toBeGreaterThan(parts.findLastIndex((part) => part.type === 'reasoning-delta'));
  });

  it('streams `reasoning` deltas (Ollama, OpenRouter) as reasoning too', async () => {
    const ollama = await startFakeOpenAI({ reasoningField: 'reasoning' });
    try {
      ollama.enqueue({ reasoning: 'Hmm.', text: 'Yes.' });
      const parts = await collectParts(new OpenAIChatModel({ apiKey: 'unused', baseURL: ollama.url }), chatRequest());
      expect(streamedReasoning(parts)).toBe('Hmm.');
      expect(streamedText(parts)).toBe('Yes.');
    } finally {
      await ollama.close();
    }
  });

  it('turns a 429 into a retryable error that says how long to wait', async () => {
    fake.enqueue({ status: 429, retryAfter: 1, message: 'Rate limit reached for gpt-4o-mini.' });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', statusCode: 429, isRetryable: true, retryAfterMs: 1000 });
    expect(error.message).toContain('Rate limit reached for gpt-4o-mini.');
  });

  it('prefers retry-after-ms when the server sends it', async () => {
    fake.enqueue({ status: 429, retryAfter: 1, retryAfterMs: 250 });

    expect(streamError(await collectParts(model, chatRequest())).retryAfterMs).toBe(250);
  });

  it('turns a 500 into a retryable error', async () => {
    fake.enqueue({ status: 500 });

    expect(streamError(await collectParts(model, chatRequest()))).toMatchObject({ statusCode: 500, isRetryable: true });
  });

  it.each([
    [400, "Invalid value for 'messages'."],
    [401, 'Incorrect API key provided: sk-test***.'],
  ])('turns a %i into an error that is not retried and carries the vendor message', async (status, message) => {
    fake.enqueue({ status, message });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error).toMatchObject({ statusCode: status, isRetryable: false });
    expect(error.message).toContain(message);
  });

  it('reads the bare-string error bodies some compatible servers send', async () => {
    fake.enqueue({ status: 404, body: { error: 'model "llama9" not found, try pulling it first' } });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error.message).toContain('model "llama9" not found');
    expect(error.message).toContain('OpenAI-compatible server');
  });

  it('ends with a retryable error after the partial deltas when the connection is cut', async () => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, cutAfterChunks: 2 });

    const parts = await collectParts(model, chatRequest());

    expect(partTypes(parts)).toEqual(['text-delta', 'text-delta', 'error']);
    expect(streamedText(parts)).toBe('Hello ');
    expect(streamError(parts)).toMatchObject({ isRetryable: true, statusCode: undefined });
  });

  it('treats a stream that ends without a finish reason as cut short', async () => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, endAfterChunks: 1 });

    const parts = await collectParts(model, chatRequest());

    expect(partTypes(parts)).toEqual(['text-delta', 'error']);
    expect(streamError(parts).isRetryable).toBe(true);
  });

  it('reports an error event sent mid-stream', async () => {
    fake.enqueue({ text: 'Hello there', chunkSize: 3, streamError: { afterChunks: 1, type: 'server_error', message: 'Upstream overloaded.' } });

    const parts = await collectParts(model, chatRequest());

    expect(partTypes(parts)).toEqual(['text-delta', 'error']);
    expect(streamError(parts)).toMatchObject({ isRetryable: true });
    expect(streamError(parts).message).toContain('Upstream overloaded.');
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

  it('reports a server that does not start answering within the timeout as retryable', async () => {
    fake.enqueue({ text: 'Too late.', firstByteDelayMs: 1000 });
    const impatient = new OpenAIChatModel({ apiKey: 'unused', baseURL: fake.url, timeout: 50 });

    const error = streamError(await collectParts(impatient, chatRequest()));

    expect(error).toMatchObject({ isRetryable: true });
    expect(error.message).toContain('did not answer in time');
  });

  it('sends nothing when the signal is already aborted', async () => {
    const parts = await collectParts(model, chatRequest({ signal: AbortSignal.abort() }));

    expect(parts).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it('reports an unreachable server as a retryable error', async () => {
    const unreachable = new OpenAIChatModel({ apiKey: 'unused', baseURL: `${await unusedLocalUrl()}/v1` });

    const error = streamError(await collectParts(unreachable, chatRequest()));

    expect(error).toMatchObject({ isRetryable: true, statusCode: undefined });
    expect(error.message).toMatch(/^Could not reach the OpenAI-compatible server at 127\.0\.0\.1:\d+/);
  });

  it('limits output with max_tokens on compatible servers and max_completion_tokens on OpenAI', async () => {
    await collectParts(model, chatRequest({ maxOutputTokens: 100 }));
    // The official endpoint, redirected to the fake through the `fetch` option.
    const official = new OpenAIChatModel({
      apiKey: 'unused',
      fetch: (input, init) => fetch(String(input).replace('https://api.openai.com/v1', fake.url), init),
    });
    await collectParts(official, chatRequest({ maxOutputTokens: 100 }));

    expect(fake.requests[0]?.body).toMatchObject({ max_tokens: 100 });
    expect(fake.requests[1]?.body).toMatchObject({ max_completion_tokens: 100 });
    expect(fake.requests[1]?.body).not.toHaveProperty('max_tokens');
  });
});
