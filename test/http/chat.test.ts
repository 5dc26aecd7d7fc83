/**
 * `POST /api/rooms/:room/chat` driven by the real `ai` package (docs/architecture.md §9): an
 * `AbstractChat` over `DefaultChatTransport` with the SDK's default id generator, against the
 * whole server (shipped personas Sage, Scout and Critic; scripted models).
 */
import { randomUUID } from 'node:crypto';
import {
  AbstractChat,
  DefaultChatTransport,
  type ChatInit,
  type ChatState,
  type UIMessage,
} from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiMessageChunkSchema } from '../../protocol/schemas/chat.ts';
import { errorResponseSchema, messagePageSchema } from '../../protocol/schemas/rest.ts';
import type { ChatModel } from '../../server/providers/chat-model.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import {
  finish,
  gate,
  replyParts,
  ScriptedChatModel,
  type ScriptStep,
} from '../helpers/scripted-chat-model.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** `Chat` of `@ai-sdk/react` without React: the SDK's chat over a plain state. */
class NodeChat extends AbstractChat<UIMessage> {
  constructor(init: Omit<ChatInit<UIMessage>, 'messages'>) {
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
    super({ ...init, state });
  }
}

const models = new Map<string, ScriptedChatModel>();
const modelOf = (handle: string) => {
  let model = models.get(handle);
  if (!model) models.set(handle, (model = new ScriptedChatModel()));
  return model;
};
let server: TestChorusServer;

beforeAll(async () => {
  server = await startChorusServer({
    modelFor: (persona): ChatModel => modelOf(persona.handle),
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function join(room = `chat-${randomUUID().slice(0, 8)}`, name = 'Grace') {
  const response = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name }),
  });
  expect(response.status).toBe(200);
  const { token } = (await response.json()) as { token: string };
  return { room, token };
}

function chatFor(room: string, token: string) {
  return new NodeChat({
    transport: new DefaultChatTransport({
      api: `${server.url}/api/rooms/${room}/chat`,
      headers: { Authorization: `Bearer ${token}` },
    }),
  });
}

async function transcript(room: string, token: string) {
  const response = await fetch(`${server.url}/api/rooms/${room}/messages`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return messagePageSchema.parse(await response.json()).messages;
}

/** The assistant message's parts, reduced to what a front end renders. */
function rendered(message: UIMessage | undefined): Array<Record<string, unknown>> {
  return (message?.parts ?? []).flatMap((part): Array<Record<string, unknown>> => {
    if (part.type === 'data-agent') return [{ agent: part.data }];
    if (part.type === 'text') return [{ text: part.text }];
    if (part.type === 'reasoning') return [{ reasoning: part.text }];
    if (part.type === 'dynamic-tool')
      return [{ tool: part.toolName, input: part.input, output: part.output, state: part.state }];
    return [];
  });
}

describe('POST /api/rooms/:room/chat with the AI SDK', () => {
  it("streams one agent's reply as the assistant message; the post is stored under a stable id", async () => {
    const { room, token } = await join();
    modelOf('sage').enqueue(replyParts('Hello ', 'there, ', 'Grace.'));
    const chat = chatFor(room, token);

    await chat.sendMessage({ text: '@sage hi' });

    expect(chat.error).toBeUndefined();
    expect(chat.status).toBe('ready');
    expect(chat.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(rendered(chat.messages[1])).toEqual([
      { agent: { id: 'sage', name: 'Sage' } },
      { text: 'Hello there, Grace.' },
    ]);
    const stored = await transcript(room, token);
    expect(stored.map((message) => [message.author.kind, message.content])).toEqual([
      ['human', '@sage hi'],
      ['agent', 'Hello there, Grace.'],
    ]);
    expect(stored[1]!.replyTo).toBe(stored[0]!.id);
    expect(chat.messages[0]!.id).not.toMatch(/^[0-9a-f-]{36}$/); // the SDK's own id was accepted
  });

  it('answers the UI message stream: its header, chunks the contract describes, [DONE]; a retry posts nothing new', async () => {
    const { room, token } = await join();
    modelOf('sage').enqueue(replyParts('One ', 'answer.'));
    const body = {
      id: 'chat-1',
      trigger: 'submit-message',
      messageId: undefined,
      extra: { fromTheApp: true },
      messages: [
        { id: 'AbCdEf0123456789', role: 'user', parts: [{ type: 'text', text: '@sage once' }] },
      ],
    };
    const send = () =>
      fetch(`${server.url}/api/rooms/${room}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const response = await send();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const lines = (await response.text()).split('\n\n').filter((block) => block !== '');
    expect(lines.at(-1)).toBe('data: [DONE]');
    const chunks = lines.slice(0, -1).map((line) => {
      expect(line.startsWith('data: ')).toBe(true);
      return uiMessageChunkSchema.parse(JSON.parse(line.slice(6)));
    });
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'data-agent',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'finish',
    ]);

    const again = await send();
    expect(again.status).toBe(200);
    const replayed = (await again.text()).split('\n\n').filter((block) => block !== '');
    expect(
      replayed.map((line) => (line.startsWith('data: {') ? JSON.parse(line.slice(6)).type : line)),
    ).toEqual(['start', 'finish', 'data: [DONE]']);
    const stored = await transcript(room, token);
    expect(stored.map((message) => message.content)).toEqual(['@sage once', 'One answer.']);
  });

  it('three agents handing over: a data-agent part for each, followed by its text, reasoning and tool call; finish after the last', async () => {
    const { room, token } = await join();
    modelOf('sage').enqueue(replyParts('Let me ask ', '@scout.'));
    modelOf('scout').enqueue(
      [
        { type: 'tool-call', callId: 'call-1', name: 'calculator', args: { expression: '6*7' } },
        finish(undefined, 'tool-calls'),
      ],
      replyParts('It is 42. ', '@critic, agreed?'),
    );
    modelOf('critic').enqueue([
      { type: 'reasoning-delta', delta: 'Check the sum.' },
      ...replyParts('Agreed.'),
    ] as ScriptStep[]);
    const chat = chatFor(room, token);

    await chat.sendMessage({ text: '@sage what is 6 times 7?' });

    expect(chat.error).toBeUndefined();
    expect(chat.messages).toHaveLength(2);
    expect(rendered(chat.messages[1])).toEqual([
      { agent: { id: 'sage', name: 'Sage' } },
      { text: 'Let me ask @scout.' },
      { agent: { id: 'scout', name: 'Scout' } },
      {
        tool: 'calculator',
        input: { expression: '6*7' },
        output: expect.anything(),
        state: 'output-available',
      },
      { text: 'It is 42. @critic, agreed?' },
      { agent: { id: 'critic', name: 'Critic' } },
      { reasoning: 'Check the sum.' },
      { text: 'Agreed.' },
    ]);
    const stored = await transcript(room, token);
    expect(
      stored.filter((message) => message.author.kind === 'agent').map((m) => m.status),
    ).toEqual(['complete', 'complete', 'complete']);
  });

  it('a stop ends the stream with the partial text kept', async () => {
    const { room, token } = await join();
    const held = gate();
    modelOf('sage').enqueue([
      { type: 'text-delta', delta: 'Partial ' },
      { type: 'text-delta', delta: 'answer' },
      { type: 'gate', gate: held },
      ...replyParts(' never sent.'),
    ]);
    const chat = chatFor(room, token);
    const sent = chat.sendMessage({ text: '@sage a long one please' });
    await held.reached;
    await waitFor(() =>
      rendered(chat.messages[1]).some((part) => 'text' in part && part.text === 'Partial answer'),
    );
    const stop = await fetch(`${server.url}/api/rooms/${room}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ all: true }),
    });
    expect(stop.status).toBe(202);
    await sent;

    expect(chat.error).toBeUndefined();
    expect(chat.status).toBe('ready');
    expect(rendered(chat.messages[1])).toEqual([
      { agent: { id: 'sage', name: 'Sage' } },
      { text: 'Partial answer' },
    ]);
    const reply = (await transcript(room, token))[1]!;
    expect(reply).toMatchObject({ content: 'Partial answer', status: 'cancelled' });
  });

  it("the client's stop (aborting the request) stops the reply, keeping its partial text", async () => {
    const { room, token } = await join();
    const held = gate();
    modelOf('sage').enqueue([
      { type: 'text-delta', delta: 'Half ' },
      { type: 'gate', gate: held },
      ...replyParts('never.'),
    ]);
    const chat = chatFor(room, token);
    const sent = chat.sendMessage({ text: '@sage go on' });
    await held.reached;
    await waitFor(() => rendered(chat.messages[1]).length === 2);
    await chat.stop();
    await sent;

    expect(rendered(chat.messages[1])).toEqual([
      { agent: { id: 'sage', name: 'Sage' } },
      { text: 'Half ' },
    ]);
    await waitFor(async () => (await transcript(room, token))[1]?.status === 'cancelled');
    expect((await transcript(room, token))[1]!.content).toBe('Half ');
  });

  it("useChat's resume finds nothing to resume (204), without an error", async () => {
    const { room, token } = await join();
    const chat = chatFor(room, token);
    await chat.resumeStream();
    expect(chat.error).toBeUndefined();
    expect(chat.status).toBe('ready');
    const response = await fetch(`${server.url}/api/rooms/${room}/chat/${chat.id}/stream`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(204);
  });

  it('refuses a bad body with a 400 and the error body, and posts nothing', async () => {
    const { room, token } = await join();
    const post = (body: unknown) =>
      fetch(`${server.url}/api/rooms/${room}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const user = (text: string) => ({ id: 'm1', role: 'user', parts: [{ type: 'text', text }] });
    const cases: Array<[unknown, RegExp]> = [
      [{ id: 'c', trigger: 'submit-message' }, /messages/],
      [{ id: 'c', trigger: 'submit-message', messages: [] }, /messages/],
      [{ id: 'c', trigger: 'submit-message', messages: [user('   ')] }, /not empty/],
      [
        { id: 'c', trigger: 'submit-message', messages: [{ ...user('hi'), role: 'assistant' }] },
        /"user"/,
      ],
      [{ id: 'c', trigger: 'regenerate-message', messages: [user('hi')] }, /submit-message/],
      [{ id: 'c', trigger: 'submit-message', messages: [user('x'.repeat(9000))] }, /at most/],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const error = errorResponseSchema.parse(await response.json());
      expect(error.error.code).toBe('invalid_request');
      expect(error.error.message).toMatch(message);
    }
    expect(await transcript(room, token)).toEqual([]);

    // The SDK surfaces the error body's message.
    const chat = chatFor(room, token);
    await chat.sendMessage({ text: ' ' });
    expect(chat.status).toBe('error');
    expect(chat.error?.message).toMatch(/not empty/);
  });

  it("refuses another room's token with a 403 through the SDK", async () => {
    const { room } = await join();
    const other = await join();
    const chat = chatFor(room, other.token);
    await chat.sendMessage({ text: '@sage hi' });
    expect(chat.status).toBe('error');
    const response = await fetch(`${server.url}/api/rooms/${room}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${other.token}` },
      body: JSON.stringify({
        id: 'c',
        trigger: 'submit-message',
        messages: [{ id: 'x', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
      }),
    });
    expect(response.status).toBe(403);
    expect(errorResponseSchema.parse(await response.json()).error.code).toBe('forbidden_room');
    expect(chat.error?.message).toMatch(/room/i);
  });
});
