import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../../test/fakes/fake-openai.ts';
import {
  startFakeUIAgent,
  UI_AGENT_PATH,
  type FakeUIAgent,
} from '../../../test/fakes/fake-ui-agent.ts';
import {
  chatRequest,
  collectParts,
  partTypes,
  streamError,
  streamedReasoning,
  streamedText,
} from '../../../test/providers/stream-helpers.ts';
import type { ChatStreamPart, ChatToolSpec } from '../chat-model.ts';
import { describeChatModelContract } from '../chat-model.contract.ts';
import { HttpChatModel } from './http-chat-model.ts';

const CALCULATOR: ChatToolSpec = {
  name: 'calculator',
  description: 'Evaluates an arithmetic expression.',
  parameters: { type: 'object', properties: { expression: { type: 'string' } } },
};

/** An agent route built with the `ai` package's UI message stream. */
describeChatModelContract({
  provider: 'http',
  startFake: () => startFakeUIAgent(),
  createModel: ({ apiKey, baseURL, timeout }) =>
    new HttpChatModel({ url: baseURL, apiKey, ...(timeout === undefined ? {} : { timeout }) }),
  baseUrlFor: (origin) => `${origin}${UI_AGENT_PATH}`,
  requestPath: UI_AGENT_PATH,
  plainRequestBody: { room: null, runId: null, agent: null },
  callSettingsBody: ({ temperature, maxOutputTokens }) => ({ temperature, maxOutputTokens }),
  retryableStreamErrorType: 'any',
  // The UI stream's `error` chunk carries only text: the agent failed, and a retry may not.
  streamErrorCases: [['any', true]],
  noToolsBody: { tools: [] },
});

/** An agent that streams OpenAI Chat Completions SSE (the fake OpenAI server is one). */
describeChatModelContract({
  provider: 'http',
  startFake: () => startFakeOpenAI(),
  createModel: ({ apiKey, baseURL, timeout }) =>
    new HttpChatModel({
      url: `${baseURL}/chat/completions`,
      apiKey,
      ...(timeout === undefined ? {} : { timeout }),
    }),
  baseUrlFor: (origin) => `${origin}/v1`,
  requestPath: '/v1/chat/completions',
  plainRequestBody: { room: null, runId: null, agent: null },
  callSettingsBody: ({ temperature, maxOutputTokens }) => ({ temperature, maxOutputTokens }),
  retryableStreamErrorType: 'server_error',
  noToolsBody: { tools: [] },
});

describe('HttpChatModel with an AI SDK agent', () => {
  let agent: FakeUIAgent;
  let model: HttpChatModel;

  beforeEach(async () => {
    agent = await startFakeUIAgent();
    model = new HttpChatModel({ url: agent.url });
  });
  afterEach(async () => {
    await agent.close();
  });

  it('posts the room, the run, the agent, the messages and the tools', async () => {
    await collectParts(
      model,
      chatRequest({
        model: 'helper',
        system: 'You are Helper (@helper).',
        turns: [{ role: 'user', name: 'Ada', content: 'What is 12*7?' }],
        tools: [CALCULATOR],
        context: { roomId: 'room-1', runId: 'msg-1', agent: { handle: 'helper', name: 'Helper' } },
      }),
    );

    expect(agent.requests[0]).toMatchObject({
      method: 'POST',
      hasAuthorization: false,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: {
        room: 'room-1',
        runId: 'msg-1',
        agent: { handle: 'helper', name: 'Helper' },
        model: 'helper',
        stream: true,
        messages: [
          { role: 'system', content: 'You are Helper (@helper).' },
          { role: 'user', content: 'Ada: What is 12*7?' },
        ],
        tools: [CALCULATOR],
      },
    });
  });

  it('streams reasoning, then text, with the usage from the finish metadata', async () => {
    agent.enqueue({
      reasoning: 'Think.',
      text: 'Answer.',
      usage: { inputTokens: 7, outputTokens: 4 },
    });

    const parts = await collectParts(model, chatRequest());

    expect(streamedReasoning(parts)).toBe('Think.');
    expect(streamedText(parts)).toBe('Answer.');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { inputTokens: 7, outputTokens: 4 },
    });
  });

  it("passes the agent's sources on as the reply's citations, after its text", async () => {
    agent.enqueue({
      text: 'Take the Commuter 8 E.',
      chunkSize: 100,
      sources: [
        { url: 'https://bikes.example.com/commuter-8-e', title: 'Commuter 8 E' },
        // Chorus's own AI SDK stream: the path and quote in providerMetadata.chorus.
        {
          url: '/demo/company.html#bikes',
          title: 'Commuter 8 E › Hills and distance',
          providerMetadata: { chorus: { path: 'bikes/commuter-8-e.md', quote: 'Made for hills.' } },
        },
        { title: 'Warranty', mediaType: 'text/markdown', filename: 'returns-and-warranty.md' },
        { url: 'https://bikes.example.com/untitled' },
      ],
    });

    const parts = await collectParts(model, chatRequest());

    expect(partTypes(parts)).toEqual([
      'text-delta',
      'source',
      'source',
      'source',
      'source',
      'finish',
    ]);
    expect(parts.filter((part) => part.type === 'source')).toEqual([
      {
        type: 'source',
        title: 'Commuter 8 E',
        url: 'https://bikes.example.com/commuter-8-e',
        path: '',
        quote: '',
      },
      {
        type: 'source',
        title: 'Commuter 8 E › Hills and distance',
        url: '/demo/company.html#bikes',
        path: 'bikes/commuter-8-e.md',
        quote: 'Made for hills.',
      },
      { type: 'source', title: 'Warranty', url: null, path: 'returns-and-warranty.md', quote: '' },
      {
        type: 'source',
        title: 'https://bikes.example.com/untitled',
        url: 'https://bikes.example.com/untitled',
        path: '',
        quote: '',
      },
    ]);
  });

  it("keeps an agent's sources within bounds: ten a reply, long titles and quotes cut, an overlong URL dropped", async () => {
    const long = 'word '.repeat(400);
    agent.enqueue({
      text: 'Many.',
      sources: [
        {
          url: `https://example.com/${'a'.repeat(3000)}`,
          title: long,
          providerMetadata: { chorus: { quote: long } },
        },
        ...Array.from({ length: 14 }, (_, index) => ({ url: `https://example.com/${index}` })),
      ],
    });

    const sources = (await collectParts(model, chatRequest())).filter(
      (part) => part.type === 'source',
    );

    expect(sources).toHaveLength(10);
    expect(sources[0]!.url).toBeNull();
    expect(sources[0]!.title.length).toBeLessThanOrEqual(200);
    expect(sources[0]!.title.endsWith('…')).toBe(true);
    expect(sources[0]!.quote.length).toBeLessThanOrEqual(240);
    expect(sources.at(-1)!.url).toBe('https://example.com/8');
  });

  it('asks Chorus to run an offered tool the agent did not run itself', async () => {
    agent.enqueue({
      toolCalls: [{ id: 'call_1', name: 'calculator', args: { expression: '12*7' } }],
    });

    const parts = await collectParts(model, chatRequest({ tools: [CALCULATOR] }));

    expect(parts).toEqual([
      { type: 'tool-call', callId: 'call_1', name: 'calculator', args: { expression: '12*7' } },
      { type: 'finish', reason: 'tool-calls', usage: expect.any(Object) as unknown },
    ]);
  });

  it('sends the key as a bearer token and never puts it in an error message', async () => {
    const keyed = new HttpChatModel({ url: agent.url, apiKey: 'agent-secret-key' });
    agent.enqueue({ status: 403, message: 'Forbidden (fake).' });

    const error = streamError(await collectParts(keyed, chatRequest()));

    expect(agent.requests[0]?.hasAuthorization).toBe(true);
    expect(error).toMatchObject({ provider: 'http', statusCode: 403, isRetryable: false });
    expect(error.message).toBe(
      'The HTTP agent at ' + new URL(agent.url).host + ' answered 403: Forbidden (fake).',
    );
    expect(JSON.stringify(error)).not.toContain('agent-secret-key');
  });

  it('does not follow a redirect, so the key never travels to another address', async () => {
    const redirecting = http.createServer((_request, response) => {
      response.writeHead(307, { location: agent.url }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const { port } = redirecting.address() as AddressInfo;
    try {
      const keyed = new HttpChatModel({ url: `http://127.0.0.1:${port}/`, apiKey: 'agent-key' });

      const error = streamError(await collectParts(keyed, chatRequest()));

      expect(error).toMatchObject({ statusCode: 307, isRetryable: false });
      expect(agent.requests).toEqual([]);
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });

  it('reads a plain-text error body as the explanation', async () => {
    agent.enqueue({ status: 502, body: 'upstream went away' });

    const error = streamError(await collectParts(model, chatRequest()));

    expect(error).toMatchObject({ statusCode: 502, isRetryable: true });
    expect(error.message).toContain('upstream went away');
  });

  it('stop aborts the request to the agent, which sees it go away', async () => {
    agent.enqueue({
      text: 'one two three four five six seven eight',
      chunkSize: 4,
      tokenDelayMs: 30,
    });
    const controller = new AbortController();
    const parts: ChatStreamPart[] = [];

    for await (const part of model.stream(chatRequest({ signal: controller.signal }))) {
      parts.push(part);
      if (parts.length === 1) controller.abort();
    }

    expect(partTypes(parts)).toEqual(['text-delta']);
    await agent.whenAborted();
    expect(agent.aborted).toBe(1);
  });
});

describe('HttpChatModel with an agent that streams Chat Completions', () => {
  it('reads reasoning, text and tool calls from the chunks', async () => {
    const fake = await startFakeOpenAI();
    try {
      fake.enqueue(
        { reasoning: 'Hmm.', text: 'Let me work it out.' },
        { toolCalls: [{ id: 'call_9', name: 'calculator', args: { expression: '2+2' } }] },
      );
      const model = new HttpChatModel({ url: `${fake.url}/chat/completions` });

      const first = await collectParts(model, chatRequest());
      const second = await collectParts(model, chatRequest({ tools: [CALCULATOR] }));

      expect(streamedReasoning(first)).toBe('Hmm.');
      expect(streamedText(first)).toBe('Let me work it out.');
      expect(second.slice(0, 1)).toEqual([
        { type: 'tool-call', callId: 'call_9', name: 'calculator', args: { expression: '2+2' } },
      ]);
      expect(second.at(-1)).toMatchObject({ type: 'finish', reason: 'tool-calls' });
    } finally {
      await fake.close();
    }
  });

  it('fails, without retrying, an answer that is in neither format', async () => {
    const fake = await startFakeOpenAI();
    try {
      // A JSON answer instead of a stream: the fake replies so when `stream` is not true.
      const model = new HttpChatModel({
        url: `${fake.url}/chat/completions`,
        fetch: (input, init) =>
          fetch(input, {
            ...init,
            body: JSON.stringify({ ...JSON.parse(String(init?.body)), stream: false }),
          }),
      });

      const error = streamError(await collectParts(model, chatRequest()));

      expect(error).toMatchObject({ provider: 'http', isRetryable: false });
      expect(error.message).toContain('answered application/json instead of an event stream');
    } finally {
      await fake.close();
    }
  });
});
