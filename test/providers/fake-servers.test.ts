/**
 * The fakes themselves: the bytes they send are the vendors' wire formats, they record requests
 * without secrets, and the official SDKs' non-streaming calls work against them too.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLING_REMOVED_IN_VERSION, startFakeAnthropic } from '../fakes/fake-anthropic.ts';
import { startFakeOpenAI } from '../fakes/fake-openai.ts';
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts';

const started: FakeProviderServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((fake) => fake.close()));
});
async function track<T extends FakeProviderServer>(fake: Promise<T>): Promise<T> {
  const value = await fake;
  started.push(value);
  return value;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('fake OpenAI', () => {
  it('streams chat.completion.chunk events, the usage chunk and [DONE]', async () => {
    const fake = await track(startFakeOpenAI());
    fake.enqueue({ text: 'Hi!', chunkSize: 2 });

    const response = await post(`${fake.url}/chat/completions`, {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
    });
    const events = (await response.text()).split('\n\n').filter(Boolean);

    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(events.every((event) => event.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events
      .slice(0, -1)
      .map((event) => JSON.parse(event.slice('data: '.length)) as Record<string, unknown>);
    expect(chunks.map((chunk) => chunk.object)).toEqual(Array(5).fill('chat.completion.chunk'));
    expect(chunks[1]).toMatchObject({
      choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }],
    });
    expect(chunks[3]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(chunks[4]).toMatchObject({ choices: [], usage: { completion_tokens: 1 } });
  });

  it('records requests without credentials and answers unknown paths with a 404', async () => {
    const fake = await track(startFakeOpenAI());

    const response = await post(
      `${fake.url}/embeddings`,
      { input: 'x' },
      { authorization: 'Bearer sk-secret', 'x-trace': 't1' },
    );

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(fake.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/v1/embeddings',
        hasAuthorization: true,
        body: { input: 'x' },
      }),
    ]);
    expect(fake.requests[0]?.headers).toMatchObject({ 'x-trace': 't1' });
    expect(JSON.stringify(fake.requests)).not.toContain('sk-secret');
  });

  it('answers non-streaming calls of the SDK, scripted or not', async () => {
    const fake = await track(startFakeOpenAI());
    fake.enqueue({
      toolCalls: [{ id: 'call_7', name: 'calculator', args: { expression: '1+1' } }],
    });
    const client = new OpenAI({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });

    const withTool = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const plain = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
    });

    expect(withTool.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        tool_calls: [
          { id: 'call_7', function: { name: 'calculator', arguments: '{"expression":"1+1"}' } },
        ],
      },
    });
    expect(plain.choices[0]?.message.content).toBe('Hello from the fake model.');
    expect(fake.pending).toBe(0);
  });

  it('refuses what OpenAI refuses of its reasoning models, and keeps the scripted answer for the next request', async () => {
    const fake = await track(startFakeOpenAI());
    fake.enqueue({ text: 'Hi!' });
    const messages = [{ role: 'user', content: 'Hi' }];

    const warm = await post(`${fake.url}/chat/completions`, {
      model: 'o4-mini',
      messages,
      temperature: 0.3,
    });
    const limited = await post(`${fake.url}/chat/completions`, {
      model: 'gpt-5-mini',
      messages,
      max_tokens: 100,
    });
    const accepted = await post(`${fake.url}/chat/completions`, {
      model: 'gpt-4o',
      messages,
      temperature: 0.3,
      max_tokens: 100,
    });

    expect(warm.status).toBe(400);
    expect(await warm.json()).toMatchObject({
      error: { param: 'temperature', code: 'unsupported_value' },
    });
    expect(limited.status).toBe(400);
    expect(await limited.json()).toMatchObject({
      error: { param: 'max_tokens', code: 'unsupported_parameter' },
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ choices: [{ message: { content: 'Hi!' } }] });
  });
});

describe('fake Anthropic', () => {
  it('streams the Messages event sequence', async () => {
    const fake = await track(startFakeAnthropic());
    fake.enqueue({
      reasoning: 'Hm.',
      text: 'Hi!',
      toolCalls: [{ name: 'calculator', args: {} }],
      chunkSize: 10,
    });

    const response = await post(`${fake.url}/v1/messages`, {
      model: 'm',
      stream: true,
      max_tokens: 10,
      messages: [],
    });
    const names = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((event) => /^event: (\S+)/.exec(event)?.[1]);

    expect(names).toEqual([
      'message_start',
      'ping',
      ...[
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
      ],
      ...['content_block_start', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_stop'],
      'message_delta',
      'message_stop',
    ]);
  });

  it('answers errors with Anthropic error bodies and a request id', async () => {
    const fake = await track(startFakeAnthropic());
    fake.enqueue({ status: 529 });

    const response = await post(
      `${fake.url}/v1/messages`,
      { stream: true },
      { 'x-api-key': 'sk-ant-secret' },
    );

    expect(response.status).toBe(529);
    expect(response.headers.get('request-id')).toBe('req_fake_1');
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: 'req_fake_1',
    });
    expect(fake.requests[0]?.hasAuthorization).toBe(true);
    expect(fake.requests[0]?.headers).not.toHaveProperty('x-api-key');
  });

  it.each([
    ['temperature', { temperature: 1 }],
    ['top_p', { top_p: 0.9 }],
    ['top_k', { top_k: 40 }],
  ])('refuses %s, even at its default, from API version 2026-10-21 on', async (name, settings) => {
    const fake = await track(startFakeAnthropic());

    const response = await post(
      `${fake.url}/v1/messages`,
      { model: 'm', max_tokens: 10, messages: [], ...settings },
      {
        'anthropic-version': SAMPLING_REMOVED_IN_VERSION,
      },
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: `${name}: Extra inputs are not permitted` },
    });
  });

  it.each([
    ['a temperature above 1', { temperature: 1.5 }, 'temperature: range: 0..1'],
    [
      'a temperature other than 1 with thinking',
      { temperature: 0.3, max_tokens: 5000, thinking: { type: 'enabled', budget_tokens: 1024 } },
      '`temperature` may only be set to 1 when thinking is enabled',
    ],
    [
      'an output limit not above the thinking budget',
      { max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 1024 } },
      '`max_tokens` must be greater than `thinking.budget_tokens`',
    ],
  ])('refuses %s under API version 2023-06-01', async (_case, settings, message) => {
    const fake = await track(startFakeAnthropic());

    const response = await post(
      `${fake.url}/v1/messages`,
      { model: 'm', max_tokens: 10, messages: [], ...settings },
      {
        'anthropic-version': '2023-06-01',
      },
    );

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining(message) },
    });
  });

  it('takes, under API version 2023-06-01, a temperature of 1 with thinking and any from 0 to 1 without', async () => {
    const fake = await track(startFakeAnthropic());
    const request = { model: 'm', max_tokens: 2048, messages: [] };
    const headers = { 'anthropic-version': '2023-06-01' };

    const thinking = await post(
      `${fake.url}/v1/messages`,
      { ...request, temperature: 1, thinking: { type: 'enabled', budget_tokens: 1024 } },
      headers,
    );
    const plain = await post(`${fake.url}/v1/messages`, { ...request, temperature: 0 }, headers);

    expect([thinking.status, plain.status]).toEqual([200, 200]);
  });

  it('answers non-streaming calls of the SDK', async () => {
    const fake = await track(startFakeAnthropic());
    fake.enqueue({ text: 'Bonjour.' });
    const client = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });

    const message = await client.messages.create({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Hi' }],
    });

    expect(message.content).toEqual([{ type: 'text', text: 'Bonjour.', citations: null }]);
    expect(message.stop_reason).toBe('end_turn');
  });

  it('notices a client that hangs up during a slow stream', async () => {
    const fake = await track(startFakeAnthropic());
    fake.enqueue({ text: 'a slow answer that takes a while', chunkSize: 2, tokenDelayMs: 20 });

    const response = await post(`${fake.url}/v1/messages`, { stream: true });
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();

    await fake.whenAborted();
    expect(fake.aborted).toBe(1);
  });
});
