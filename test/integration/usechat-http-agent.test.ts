/**
 * The two ends of issue 14 at once (docs/architecture.md §9): a `useChat` front end (the real `ai`
 * package's chat over `DefaultChatTransport`) talking to a room whose agent is an HTTP agent built
 * with the real `ai` package (`createUIMessageStreamResponse`, test/fakes/fake-ui-agent.ts). The
 * agent's words reach the chat as the assistant message, and a stop in the chat aborts the
 * agent's own request.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AbstractChat, DefaultChatTransport, type ChatState, type UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startFakeUIAgent, type FakeUIAgent } from '../fakes/fake-ui-agent.ts';

/** The SDK's chat without React, over a plain state. */
class NodeChat extends AbstractChat<UIMessage> {
  constructor(transport: DefaultChatTransport<UIMessage>) {
    const state: ChatState<UIMessage> = {
      status: 'ready',
      error: undefined,
      messages: [],
      pushMessage: (message) => {
        state.messages = [...state.messages, message];
      },
      popMessage: () => {
        state.messages = state.messages.slice(0, -1);
      },
      replaceMessage: (index, message) => {
        state.messages = state.messages.map((entry, at) => (at === index ? message : entry));
      },
      snapshot: (thing) => structuredClone(thing),
    };
    super({ transport, state });
  }
}

let agent: FakeUIAgent;
let server: TestChorusServer;
let personas: string;

beforeAll(async () => {
  agent = await startFakeUIAgent();
  personas = await mkdtemp(path.join(os.tmpdir(), 'chorus-http-agent-'));
  await writeFile(
    path.join(personas, 'own.md'),
    [
      '---',
      'name: Own',
      'handle: own',
      'provider: http',
      `url: ${agent.url}`,
      'color: "#0f766e"',
      'description: The site’s own agent.',
      'default: true',
      '---',
      'You are the site’s own agent.',
      '',
    ].join('\n'),
  );
  server = await startChorusServer({ env: { CHORUS_PERSONAS_DIR: personas } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await agent?.close();
  await rm(personas, { recursive: true, force: true });
});

async function chatInRoom(room: string): Promise<NodeChat> {
  const session = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name: 'Grace' }),
  });
  expect(session.status).toBe(200);
  const { token } = (await session.json()) as { token: string };
  return new NodeChat(
    new DefaultChatTransport({
      api: `${server.url}/api/rooms/${room}/chat`,
      headers: { Authorization: `Bearer ${token}` },
    }),
  );
}

const textOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('useChat against a room answered by an HTTP agent', () => {
  it("shows the agent's streamed answer as the assistant message", async () => {
    agent.enqueue({ text: 'Hello from your own agent.', chunkSize: 4 });
    const chat = await chatInRoom('own-agent-answers');
    await chat.sendMessage({ text: 'Hi there' });
    expect(chat.error).toBeUndefined();
    const [, answer] = chat.messages;
    expect(answer?.parts.find((part) => part.type === 'data-agent')).toMatchObject({
      data: { id: 'own', name: 'Own' },
    });
    expect(textOf(answer)).toBe('Hello from your own agent.');
    // The agent was asked with the room's turn, as Chorus posts it.
    expect(JSON.stringify(agent.requests.at(-1)?.body)).toContain('Hi there');
  });

  it("stops: the chat's stop aborts the agent's request, and the partial text is kept", async () => {
    const aborts = agent.aborted;
    agent.enqueue({ text: 'A long answer that takes its time. '.repeat(20), tokenDelayMs: 50 });
    const chat = await chatInRoom('own-agent-stops');
    const sent = chat.sendMessage({ text: 'Tell me everything' });
    await waitFor(() => textOf(chat.messages[1]).length > 0, { what: 'the first words' });
    await chat.stop();
    await sent;
    await agent.whenAborted(aborts + 1);
    const partial = textOf(chat.messages[1]);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan('A long answer that takes its time. '.repeat(20).length);
  });
});
