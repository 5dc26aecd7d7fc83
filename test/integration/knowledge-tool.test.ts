/**
 * `search_knowledge` end to end through both real SDKs against fake OpenAI and Anthropic servers:
 * the demo knowledge folder indexed by the real server at start (CHORUS_KNOWLEDGE_DIR), Scout's
 * call streamed as a tool part, the passages with their sources in the tool result, the
 * passages in the follow-up request the model answers from, and the passage the answer names as
 * a `source` part: streamed, in `message-end` and stored (issue 16).
 */
import { AnthropicChatModel } from '../../server/providers/anthropic/anthropic-chat-model.ts';
import { OpenAIChatModel } from '../../server/providers/openai/openai-chat-model.ts';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatModel } from '../../server/providers/index.ts';
import { DEMO_DIR } from '../../server/widget-build.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

let server: TestChorusServer | undefined;
let fake: FakeOpenAI | FakeAnthropic | undefined;
let visitor: RoomVisitor | undefined;

afterEach(async () => {
  await visitor?.disconnect();
  await server?.close();
  await fake?.close();
  server = fake = visitor = undefined;
});

/**
 * A server on the demo knowledge whose personas talk through `provider`'s SDK to its fake, a
 * room `roomId` where only the addressed persona answers, and Ada in it.
 */
async function scoutOn(
  provider: 'OpenAI' | 'Anthropic',
  roomId: string,
): Promise<FakeOpenAI | FakeAnthropic> {
  const started = provider === 'OpenAI' ? await startFakeOpenAI() : await startFakeAnthropic();
  const model: ChatModel =
    provider === 'OpenAI'
      ? new OpenAIChatModel({ apiKey: 'test-key', baseURL: started.url })
      : new AnthropicChatModel({ apiKey: 'test-key', baseURL: started.url });
  server = await startChorusServer({
    env: { CHORUS_KNOWLEDGE_DIR: path.join(DEMO_DIR, 'knowledge') },
    modelFor: () => model,
  });
  await server.store.rooms.ensureRoom({
    id: roomId,
    title: 'Knowledge',
    settings: { policy: 'default' },
  });
  visitor = await RoomVisitor.join(server.url, roomId, 'Ada');
  return started;
}

describe('search_knowledge through the provider SDKs', () => {
  it.each(['OpenAI', 'Anthropic'] as const)(
    'Scout searches the knowledge folder through the %s SDK; the result carries passages and sources',
    async (provider) => {
      fake = await scoutOn(provider, `knowledge-${provider}`);
      fake.enqueue(
        { toolCalls: [{ name: 'search_knowledge', args: { query: 'return a bike refund' } }] },
        { text: 'Within 30 days, for a full refund (see Returns).' },
      );

      await visitor!.post('@scout can I return a bike for a refund?');
      await waitFor(() => visitor!.ended().length === 1);

      const reply = visitor!.ended()[0]!;
      expect(reply.content).toBe('Within 30 days, for a full refund (see Returns).');
      expect(reply.parts[0]).toMatchObject({
        type: 'tool-call',
        name: 'search_knowledge',
        args: { query: 'return a bike refund' },
      });
      const result = reply.parts[1] as {
        type: string;
        result: { passages: { title: string; source: string; url: string; text: string }[] };
      };
      expect(result.type).toBe('tool-result');
      expect(result.result.passages[0]).toEqual({
        title: 'Returns and warranty › Returns',
        source: 'returns-and-warranty.md',
        url: '/demo/company.html#service',
        position: 0,
        // Every word of the query is in the section: it holds all of the query's information.
        coverage: 1,
        text: expect.stringContaining('within 30 days of delivery for a full refund'),
      });
      // The model answers from the passages: they are in its second request.
      expect(JSON.stringify(fake.requests[1]!.body)).toContain('returns-and-warranty.md');

      // The answer names the Returns section: that passage, and only it, is its source.
      const source = {
        type: 'source',
        title: 'Returns and warranty › Returns',
        url: '/demo/company.html#service',
        path: 'returns-and-warranty.md',
        quote: expect.stringContaining('You can return a bike within 30 days of delivery'),
      };
      expect(reply.parts.filter((part) => part.type === 'source')).toEqual([source]);
      expect(visitor!.eventsOf(reply.id).filter(({ event }) => event === 'source')).toHaveLength(1);
      const stored = (await visitor!.fetchMessages()).find((message) => message.id === reply.id);
      expect(stored?.parts.filter((part) => part.type === 'source')).toEqual([source]);
    },
  );

  it.each(['OpenAI', 'Anthropic'] as const)(
    'an answer through the %s SDK that names none of the passages it found cites none',
    async (provider) => {
      fake = await scoutOn(provider, `uncited-${provider}`);
      fake.enqueue(
        { toolCalls: [{ name: 'search_knowledge', args: { query: 'return a bike refund' } }] },
        { text: 'Yes, within 30 days, for a full refund.' },
      );

      await visitor!.post('@scout can I return a bike for a refund?');
      await waitFor(() => visitor!.ended().length === 1);

      const reply = visitor!.ended()[0]!;
      expect(reply.parts.map((part) => part.type)).toEqual(['tool-call', 'tool-result']);
      const result = reply.parts[1] as { result: { passages: unknown[] } };
      expect(result.result.passages.length).toBeGreaterThan(0); // found, but not named
    },
  );
});
