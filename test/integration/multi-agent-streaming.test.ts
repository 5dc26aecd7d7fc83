/**
 * The heart of Chorus, end to end with everything real but the LLMs (fake OpenAI and Anthropic
 * servers speaking their wire formats to the real SDKs): interleaved streaming, catch-up,
 * persistence, stop through the API down to the provider request, memory and tools through both
 * SDKs. Who speaks, hand-offs, caps, the budget, retries and failures are unit-tested beside the
 * orchestrator (server/orchestrator/*.test.ts) with a scripted model.
 */
import { AnthropicChatModel } from '../../server/providers/anthropic/anthropic-chat-model.ts';
import { OpenAIChatModel } from '../../server/providers/openai/openai-chat-model.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyReplyEvent, type ReplyState } from '../../protocol/reply-snapshot.ts';
import type { Message, SequencedEventName } from '../../protocol/room.ts';
import { OfflineChatModel, type ChatModel } from '../../server/providers/index.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const LONG_REPLY = (who: string) =>
  `${who} here. ` +
  'This reply streams slowly enough to overlap with the others, one small chunk at a time. '.repeat(
    7,
  );

let server: TestChorusServer;
let fakes: { sage: FakeOpenAI; scout: FakeAnthropic; critic: FakeOpenAI };
let visitors: RoomVisitor[] = [];

async function start(
  env: Record<string, string> = {},
  modelFor?: (handle: string) => ChatModel | undefined,
) {
  fakes = {
    sage: await startFakeOpenAI(),
    scout: await startFakeAnthropic(),
    critic: await startFakeOpenAI(),
  };
  const models: Record<string, ChatModel> = {
    sage: new OpenAIChatModel({ apiKey: 'test-key', baseURL: fakes.sage.url }),
    scout: new AnthropicChatModel({ apiKey: 'test-key', baseURL: fakes.scout.url }),
    critic: new OpenAIChatModel({ apiKey: 'test-key', baseURL: fakes.critic.url }),
  };
  server = await startChorusServer({
    env,
    modelFor: (persona) => modelFor?.(persona.handle) ?? models[persona.handle]!,
  });
}

async function room(
  id: string,
  settings: Record<string, unknown>,
  people: string[],
): Promise<RoomVisitor[]> {
  await server.store.rooms.ensureRoom({ id, title: id, settings });
  const joined = await Promise.all(people.map((name) => RoomVisitor.join(server.url, id, name)));
  visitors.push(...joined);
  return joined;
}

/** The reply a visitor can rebuild from its deltas alone, checking that `seq` has no gap. */
function rebuild(visitor: RoomVisitor, messageId: string): ReplyState {
  let state: ReplyState = { content: '', parts: [], seq: 0 };
  for (const { event, payload } of visitor.eventsOf(messageId)) {
    if (event === 'message-start' || event === 'message-end') continue;
    expect(payload.seq).toBe(state.seq + 1);
    state = applyReplyEvent(state, event as SequencedEventName, payload as never);
  }
  return state;
}

const repliesTo = (messages: Message[], id: string) =>
  messages.filter((message) => message.replyTo === id && message.author.kind === 'agent');

beforeEach(() => {
  visitors = [];
});
afterEach(async () => {
  await Promise.all(visitors.map((visitor) => visitor.disconnect()));
  await server?.close();
  await Promise.all(Object.values(fakes ?? {}).map((fake) => fake.close()));
});

describe('a round with three agents', () => {
  it('streams three replies concurrently to five people, who all rebuild exactly what was persisted', async () => {
    await start();
    for (const [handle, fake] of Object.entries(fakes))
      fake.enqueue({ text: LONG_REPLY(handle), chunkSize: 3, tokenDelayMs: 12 });
    const people = await room('lobby', { policy: 'all' }, [
      'Ada',
      'Grace',
      'Alan',
      'Edsger',
      'Barbara',
    ]);

    const question = await people[0]!.post('What do you all think?');
    for (const visitor of people)
      await waitFor(() => visitor.ended().length === 3, {
        timeoutMs: 15_000,
        what: 'three message-end events',
      });

    const persisted = repliesTo(await people[0]!.fetchMessages(), question.id);
    expect(persisted.map((message) => message.author.id).sort()).toEqual([
      'critic',
      'sage',
      'scout',
    ]);
    for (const reply of persisted) {
      expect(reply).toMatchObject({
        status: 'complete',
        reason: 'all',
        content: LONG_REPLY(reply.author.id),
      });
      for (const visitor of people) {
        const rebuilt = rebuild(visitor, reply.id);
        expect(rebuilt.content).toBe(reply.content);
        expect(rebuilt.seq).toBe(reply.seq);
        expect(visitor.ended().find((message) => message.id === reply.id)).toEqual(reply);
        expect(visitor.transcript.get(reply.id)).toEqual(reply);
      }
    }

    // Interleaved in time: each reply's deltas began before the others' ended, and the arrival
    // order switches between replies many times.
    const deltas = people[1]!.events.filter((entry) => entry.event === 'text-delta');
    const spans = persisted.map((reply) => {
      const times = deltas
        .filter((entry) => entry.payload.id === reply.id)
        .map((entry) => entry.at);
      return { first: Math.min(...times), last: Math.max(...times) };
    });
    for (const span of spans)
      for (const other of spans) expect(span.first).toBeLessThan(other.last);
    const switches = deltas.filter(
      (entry, index) => index > 0 && entry.payload.id !== deltas[index - 1]!.payload.id,
    ).length;
    expect(switches).toBeGreaterThan(10);

    // Written at the start, at most about once a second while streaming, and once at the end;
    // the checkpoints of the replies in flight together, one statement for all of them.
    const rowsOf = (pattern: RegExp) =>
      server.statements
        .filter((statement) => pattern.test(statement.text))
        .map((statement) =>
          (JSON.parse(String(statement.params[0])) as { id: string }[]).map((row) => row.id),
        );
    const checkpoints = rowsOf(/^update messages m set content = c\.content/);
    const finals = rowsOf(/^update messages m set content = f\.content/);
    expect(checkpoints.some((ids) => ids.length === persisted.length)).toBe(true);
    for (const reply of persisted) {
      const finalWrites = finals.filter((ids) => ids.includes(reply.id));
      const checkpointed = checkpoints.filter((ids) => ids.includes(reply.id));
      const streamedFor = (Date.parse(reply.updatedAt) - Date.parse(reply.createdAt)) / 1000;
      expect(finalWrites).toHaveLength(1);
      expect(checkpointed.length).toBeGreaterThanOrEqual(1);
      expect(checkpointed.length).toBeLessThanOrEqual(Math.ceil(streamedFor) + 1);
    }
  });

  it('brings a person who joins mid-stream, and one who drops for two seconds, to the same transcript', async () => {
    await start();
    for (const [handle, fake] of Object.entries(fakes))
      fake.enqueue({ text: LONG_REPLY(handle), chunkSize: 3, tokenDelayMs: 15 });
    const [ada, grace] = await room('lobby', { policy: 'all' }, ['Ada', 'Grace']);
    const question = await ada!.post('Tell us everything.');

    await waitFor(() => ada!.events.filter((entry) => entry.event === 'text-delta').length > 20, {
      what: 'streaming to be under way',
    });
    await grace!.disconnect();
    const late = await RoomVisitor.join(server.url, 'lobby', 'Late Larry');
    visitors.push(late);
    expect(
      late.transcript
        .list()
        .some((message) => message.status === 'streaming' && message.content.length > 0),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await grace!.connect();

    for (const visitor of [ada!, late, grace!])
      await waitFor(
        () =>
          repliesTo(visitor.transcript.list(), question.id).filter(
            (message) => message.status === 'complete',
          ).length === 3,
        { timeoutMs: 15_000, what: 'all replies complete' },
      );
    const persisted = await ada!.fetchMessages();
    for (const visitor of [ada!, late, grace!])
      expect(visitor.transcript.list()).toEqual(persisted);
  });
});

describe('settings reach the rounds', () => {
  // The cap itself is unit-tested (server/orchestrator/orchestrator.test.ts); this proves
  // CHORUS_MAX_AGENT_TURNS reaches it through the real SDKs.
  it('hands off to an agent a reply @mentions, and stops at the turn cap with a notice', async () => {
    await start({ CHORUS_MAX_AGENT_TURNS: '1' });
    const [ada] = await room('handoff', { policy: 'default' }, ['Ada']);
    fakes.sage.enqueue({ text: 'Good question. @critic, what risks do you see?' });
    fakes.critic.enqueue({ text: 'Some risks. @scout could you find numbers?' });
    const question = await ada!.post('Should we ship on Friday?');
    await waitFor(
      () => ada!.transcript.list().some((message) => message.author.kind === 'system'),
      { timeoutMs: 10_000, what: 'the cap notice' },
    );
    const messages = await ada!.fetchMessages();
    expect(
      repliesTo(messages, question.id).map((message) => [message.author.id, message.reason]),
    ).toEqual([
      ['sage', 'default'],
      ['critic', 'handoff'],
    ]);
    expect(messages.at(-1)).toMatchObject({
      author: { kind: 'system' },
      content: expect.stringContaining('after 1 turns'),
    });
    expect(fakes.scout.requests).toHaveLength(0);
  });
});

describe('stop', () => {
  it('stops a reply mid-stream: it ends cancelled with its partial text, and the provider request is aborted', async () => {
    await start();
    const [ada] = await room('stop', { policy: 'default' }, ['Ada']);
    fakes.sage.enqueue({ text: LONG_REPLY('sage'), chunkSize: 3, tokenDelayMs: 20 });
    const question = await ada!.post('Go on and on');
    await waitFor(() => ada!.events.filter((entry) => entry.event === 'text-delta').length >= 3);
    const replyId = ada!.events.find((entry) => entry.event === 'message-start')!.payload
      .id as string;
    expect((await ada!.request('POST', '/stop', { messageId: replyId })).status).toBe(202);
    await fakes.sage.whenAborted();
    await waitFor(() => ada!.ended().length === 1);
    const [stopped] = repliesTo(await ada!.fetchMessages(), question.id);
    expect(stopped).toMatchObject({ id: replyId, status: 'cancelled' });
    expect(stopped!.content.length).toBeGreaterThan(0);
    expect(LONG_REPLY('sage').startsWith(stopped!.content)).toBe(true);
    expect(stopped!.content.length).toBeLessThan(LONG_REPLY('sage').length);
  });
});

describe('conversation state and tools', () => {
  it('sends the earlier turns to the model, and the offline persona remembers a name', async () => {
    await start({}, (handle) =>
      handle === 'scout'
        ? new OfflineChatModel({ tokensPerSecond: 2000, delay: async () => {} })
        : undefined,
    );
    const [ada] = await room('memory', { policy: 'default' }, ['Ada']);
    await ada!.post('My name is Lucky');
    await waitFor(() => ada!.ended().length === 1);
    await ada!.post('What is my name?');
    await waitFor(() => ada!.ended().length === 2);
    const lastPrompt = JSON.stringify(fakes.sage.requests.at(-1)!.body);
    expect(lastPrompt).toContain('My name is Lucky');
    expect(lastPrompt).toContain('What is my name?');

    await ada!.post('@scout What is my name?');
    await waitFor(() => ada!.ended().length === 3);
    expect(ada!.ended()[2]!.content).toContain('Lucky');
  });

  it.each(['OpenAI', 'Anthropic'] as const)(
    'round-trips a tool call through the %s SDK and streams it as parts',
    async (provider) => {
      let openAIScout: ChatModel | undefined;
      await start({}, (handle) => (handle === 'scout' ? openAIScout : undefined));
      if (provider === 'OpenAI')
        openAIScout = new OpenAIChatModel({ apiKey: 'test-key', baseURL: fakes.critic.url });
      const fake = provider === 'OpenAI' ? fakes.critic : fakes.scout;
      const [ada] = await room(`tools-${provider}`, { policy: 'default' }, ['Ada']);
      fake.enqueue(
        { toolCalls: [{ name: 'calculator', args: { expression: '12*7' } }] },
        { text: 'It is 84.' },
      );
      await ada!.post('@scout what is 12*7?');
      await waitFor(() => ada!.ended().length === 1);
      const reply = ada!.ended()[0]!;
      expect(reply.content).toBe('It is 84.');
      expect(reply.parts).toEqual([
        {
          type: 'tool-call',
          callId: expect.any(String),
          name: 'calculator',
          args: { expression: '12*7' },
        },
        {
          type: 'tool-result',
          callId: expect.any(String),
          name: 'calculator',
          result: { expression: '12*7', value: 84 },
        },
      ]);
      expect(ada!.eventsOf(reply.id).map((entry) => entry.event)).toEqual(
        expect.arrayContaining(['tool-call', 'tool-result', 'text-delta']),
      );
      expect(JSON.stringify(fake.requests[1]!.body)).toContain('84');
    },
  );
});
