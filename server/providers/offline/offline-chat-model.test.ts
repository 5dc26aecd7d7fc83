import { describe, expect, it } from 'vitest';
import {
  chatRequest,
  collectParts,
  partTypes,
  streamedReasoning,
  streamedText,
} from '../../../test/providers/stream-helpers.ts';
import type { ChatRequest, ChatStreamPart, ChatToolSpec, ChatTurn } from '../chat-model.ts';
import { DEFAULT_TOKENS_PER_SECOND, OfflineChatModel, type Delay } from './offline-chat-model.ts';

const TOOLS: ChatToolSpec[] = ['calculator', 'current_time', 'search_room_history'].map((name) => ({
  name,
  description: `The ${name} tool.`,
  parameters: { type: 'object' },
}));

/** A model that never waits, plus the total time it asked to wait. */
function instantModel(options: { tokensPerSecond?: number } = {}): {
  model: OfflineChatModel;
  requestedMs: () => number;
} {
  let total = 0;
  const delay: Delay = async (milliseconds) => {
    total += milliseconds;
  };
  return { model: new OfflineChatModel({ ...options, delay }), requestedMs: () => total };
}

function persona(name: string, turns: ChatTurn[], tools: ChatToolSpec[] = TOOLS): ChatRequest {
  const display = name.charAt(0).toUpperCase() + name.slice(1);
  return chatRequest({
    model: name,
    system: `You are ${display} (@${name}). Be helpful.`,
    turns,
    tools,
  });
}

async function reply(
  name: string,
  turns: ChatTurn[],
  tools: ChatToolSpec[] = TOOLS,
): Promise<ChatStreamPart[]> {
  return collectParts(instantModel().model, persona(name, turns, tools));
}

function toolCallOf(
  parts: ChatStreamPart[],
): Extract<ChatStreamPart, { type: 'tool-call' }> | undefined {
  return parts.find(
    (part): part is Extract<ChatStreamPart, { type: 'tool-call' }> => part.type === 'tool-call',
  );
}

describe('OfflineChatModel', () => {
  it('remembers a name given earlier in the transcript', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', name: 'Guest 7', content: 'Hi everyone, my name is Lucky.' },
      { role: 'assistant', content: 'Nice to meet you!' },
      { role: 'user', name: 'Bob', content: "I'm Robert, by the way." },
      { role: 'user', name: 'Guest 7', content: 'What is my name?' },
    ];

    for (const name of ['sage', 'scout', 'critic', 'someone-else']) {
      const text = streamedText(await reply(name, turns));
      expect(text, name).toContain('Lucky');
      expect(text, name).not.toContain('Robert');
    }
  });

  it.each([["I'm Lucky, hello!"], ['Please call me Lucky.'], ['my name is lucky']])(
    'understands "%s" as a name',
    async (introduction) => {
      const turns: ChatTurn[] = [
        { role: 'user', content: introduction },
        { role: 'user', content: 'Do you remember my name?' },
      ];

      expect(streamedText(await reply('sage', turns))).toContain('Lucky');
    },
  );

  it('does not invent a name nobody gave', async () => {
    const text = streamedText(
      await reply('critic', [{ role: 'user', name: 'Guest 3', content: 'What is my name?' }]),
    );

    expect(text).toContain("haven't told us your name");
    expect(text).toContain('Guest 3');
  });

  it('refers to what others said and to the question asked', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', name: 'Bob', content: 'We should use Postgres as the job queue.' },
      { role: 'user', name: 'Ada', content: 'What do you think about Postgres as the job queue?' },
    ];

    const text = streamedText(await reply('critic', turns));

    expect(text).toContain('Bob said “We should use Postgres as the job queue”');
    expect(text).toContain('“Postgres as the job queue”');
  });

  it('gives each persona a clearly different voice', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', name: 'Ada', content: 'Should we add caching to the API?' },
    ];
    const texts = await Promise.all(
      ['sage', 'scout', 'critic', 'nobody'].map(async (name) =>
        streamedText(await reply(name, turns)),
      ),
    );

    expect(new Set(texts).size).toBe(4);
    expect(texts[0]).toMatch(/step by step/);
    expect(texts[1]).toMatch(/^\| Point \| Detail \|$/m);
    expect(texts[2]).toMatch(/risks I would weigh, most serious first/);
    for (const text of texts) expect(text.length).toBeGreaterThanOrEqual(300);
  });

  it.each([
    ['what is 12*7?', { expression: '12*7' }],
    ['@scout calculate (3+4)^2', { expression: '(3+4)^2' }],
    ['what is 12 times 7', { expression: '12 * 7' }],
  ])('calls the calculator for "%s"', async (question, args) => {
    const parts = await reply('scout', [{ role: 'user', name: 'Ada', content: question }]);

    expect(toolCallOf(parts)).toMatchObject({ name: 'calculator', args });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', reason: 'tool-calls' });
  });

  it.each([
    ['What time is it?', {}],
    ["What's today's date?", {}],
    ['What time is it in Tokyo?', { timezone: 'Asia/Tokyo' }],
    ['What is the time in Europe/Paris?', { timezone: 'Europe/Paris' }],
  ])('calls current_time for "%s"', async (question, args) => {
    const call = toolCallOf(await reply('sage', [{ role: 'user', content: question }]));

    expect(call).toMatchObject({ name: 'current_time' });
    expect(call?.args).toEqual(args);
  });

  it.each([
    ['Did anyone mention the launch date?', 'launch date'],
    ['@scout search for "budget"', 'budget'],
    ['Can you find pricing in the chat history?', 'pricing'],
  ])('calls search_room_history for "%s"', async (question, query) => {
    const call = toolCallOf(await reply('scout', [{ role: 'user', content: question }]));

    expect(call).toMatchObject({ name: 'search_room_history', args: { query } });
  });

  it('answers without a tool when the tool is not offered', async () => {
    const parts = await reply('scout', [{ role: 'user', content: 'what is 12*7?' }], []);

    expect(toolCallOf(parts)).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
  });

  it('writes the final answer from a tool result, without calling the tool again', async () => {
    const question: ChatTurn = { role: 'user', name: 'Ada', content: 'what is 12*7?' };
    const first = await reply('sage', [question]);
    const call = toolCallOf(first);
    expect(call).toBeDefined();

    const followUp: ChatTurn[] = [
      question,
      {
        role: 'assistant',
        content: streamedText(first),
        toolCalls: [{ callId: call?.callId ?? '', name: 'calculator', args: call?.args }],
      },
      {
        role: 'tool',
        callId: call?.callId ?? '',
        name: 'calculator',
        content: JSON.stringify({ result: { expression: '12*7', value: 84 } }),
      },
    ];
    const second = await reply('sage', followUp);

    expect(streamedText(second)).toContain('12*7 = 84');
    expect(toolCallOf(second)).toBeUndefined();
    expect(second.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
  });

  it('reports a failed tool instead of hiding it', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', content: 'Search for the roadmap' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ callId: 'c1', name: 'search_room_history', args: { query: 'roadmap' } }],
      },
      {
        role: 'tool',
        callId: 'c1',
        name: 'search_room_history',
        content: '{"error":"search_room_history timed out after 5000 ms."}',
      },
    ];

    expect(streamedText(await reply('scout', turns))).toContain(
      'The search_room_history tool failed: search_room_history timed out',
    );
  });

  it('hands off by ending with a line that mentions the agent it was asked to involve', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', name: 'Bob', content: 'I want to rewrite the backend in Rust.' },
      { role: 'user', name: 'Ada', content: '@sage ask @critic what they think' },
    ];

    const text = streamedText(await reply('sage', turns));

    expect(text.split('\n').at(-1)).toMatch(/^@critic\b/);
    expect(text).toContain('Bob said “I want to rewrite the backend in Rust”');
  });

  it('hands off when asked "what does @critic think?"', async () => {
    const text = streamedText(
      await reply('sage', [
        { role: 'user', content: 'Is a monorepo a good idea? What does @critic think?' },
      ]),
    );

    expect(text.split('\n').at(-1)).toContain('@critic');
  });

  it('never mentions itself, even when quoting messages that mention it', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', name: 'Bob', content: '@sage is always right, @critic is always wrong.' },
      { role: 'user', name: 'Ada', content: '@sage what do you think? Ask @sage and @critic.' },
    ];

    for (const name of ['sage', 'scout', 'critic']) {
      const text = streamedText(await reply(name, turns));
      expect(text, name).not.toContain(`@${name}`);
    }
  });

  it('does not hand off to agents that were only greeted, or back to the agent that asked', async () => {
    expect(
      streamedText(await reply('sage', [{ role: 'user', content: '@sage @critic good morning!' }])),
    ).not.toContain('@');
    // Critic was handed the floor by Sage: it answers, and does not bounce it back.
    const handedOff = [
      {
        role: 'user' as const,
        name: 'Sage',
        content: 'A cache would help. @critic, what do you think?',
      },
    ];
    expect(streamedText(await reply('critic', handedOff))).not.toContain('@');
  });

  it('shows a short reasoning line before the text', async () => {
    const parts = await reply('sage', [{ role: 'user', content: 'Explain event sourcing.' }]);

    expect(streamedReasoning(parts)).toBe('Thinking about “event sourcing”…');
    expect(partTypes(parts).lastIndexOf('reasoning-delta')).toBeLessThan(
      partTypes(parts).indexOf('text-delta'),
    );
  });

  it('is deterministic: the same request streams the same parts', async () => {
    const turns: ChatTurn[] = [
      { role: 'user', name: 'Ada', content: 'Should we shard the database?' },
      { role: 'user', name: 'Bob', content: 'What is 2+2? @critic thoughts?' },
    ];

    for (const name of ['sage', 'scout', 'critic']) {
      expect(await reply(name, turns)).toEqual(await reply(name, turns));
    }
  });

  it('counts usage at about four characters per token', async () => {
    const parts = await reply('sage', [{ role: 'user', content: 'Explain caching.' }]);
    const finish = parts.at(-1);

    expect(finish?.type).toBe('finish');
    const outputCharacters = streamedText(parts).length + streamedReasoning(parts).length;
    expect(finish).toMatchObject({ usage: { outputTokens: Math.ceil(outputCharacters / 4) } });
    expect(finish?.type === 'finish' && finish.usage.inputTokens).toBeGreaterThan(0);
  });

  it('stops at maxOutputTokens with reason length', async () => {
    const parts = await collectParts(
      instantModel().model,
      persona('sage', [{ role: 'user', content: 'Explain caching.' }], []),
    );
    const limited = await collectParts(instantModel().model, {
      ...persona('sage', [{ role: 'user', content: 'Explain caching.' }], []),
      maxOutputTokens: 10,
    });

    expect(streamedText(limited)).toBe(streamedText(parts).slice(0, 40));
    expect(limited.at(-1)).toMatchObject({ type: 'finish', reason: 'length' });
  });

  it('streams at a human pace: a 300+ character reply takes seconds at the default pace', async () => {
    const { model, requestedMs } = instantModel();
    const parts = await collectParts(
      model,
      persona('sage', [{ role: 'user', content: 'Should we add caching to the API?' }]),
    );
    const characters = streamedText(parts).length + streamedReasoning(parts).length;

    expect(characters).toBeGreaterThan(300);
    expect(partTypes(parts).filter((type) => type === 'text-delta').length).toBeGreaterThan(40);
    expect(requestedMs()).toBeGreaterThan(2000);
    expect(requestedMs()).toBeGreaterThanOrEqual(
      (characters / 4 / DEFAULT_TOKENS_PER_SECOND) * 1000,
    );
  });

  it('streams faster when told to', async () => {
    const normal = instantModel();
    const fast = instantModel({ tokensPerSecond: DEFAULT_TOKENS_PER_SECOND * 10 });
    const request = persona('critic', [{ role: 'user', content: 'Is this plan sound?' }]);
    await collectParts(normal.model, request);
    await collectParts(fast.model, request);

    expect(fast.requestedMs()).toBeLessThan(normal.requestedMs() / 5);
  });

  it('stops as soon as it is aborted, without an error or a finish', async () => {
    const request = persona('sage', [{ role: 'user', content: 'Explain caching.' }]);
    const controller = new AbortController();
    let waits = 0;
    // Aborts during its fourth wait: the first comes before any token, the fourth before the third token.
    const stopping = new OfflineChatModel({
      delay: async () => {
        waits += 1;
        if (waits === 4) controller.abort();
      },
    });

    const parts = await collectParts(instantModel().model, request);
    const aborted = await collectParts(stopping, { ...request, signal: controller.signal });

    expect(parts.length).toBeGreaterThan(10);
    expect(aborted).toEqual(parts.slice(0, 2));
  });

  it('stops promptly with real timers when aborted mid-reply', async () => {
    const controller = new AbortController();
    const model = new OfflineChatModel({ tokensPerSecond: 20, firstTokenDelayMs: 0 });
    const parts: ChatStreamPart[] = [];
    let abortedAt = 0;

    for await (const part of model.stream({
      ...persona('critic', [{ role: 'user', content: 'Is this plan sound?' }]),
      signal: controller.signal,
    })) {
      parts.push(part);
      if (parts.length === 2) {
        abortedAt = performance.now();
        controller.abort();
      }
    }

    expect(parts).toHaveLength(2);
    expect(performance.now() - abortedAt).toBeLessThan(50);
  });
});
