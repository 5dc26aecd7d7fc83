/**
 * Resuming `GET /api/rooms/:room/events` with the real `eventsource` client: the server's socket is
 * destroyed mid-reply, the client reconnects by itself with `Last-Event-ID`, and every reply's text
 * arrives exactly once. Three agents stream interleaved through the real Orchestrator over PGlite
 * and the in-process bus; their model is scripted in three parts with a gate between each, so the
 * test decides what is streamed before, during and after the disconnection.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/http/create-app.ts';
import { Orchestrator } from '../../server/orchestrator/orchestrator.ts';
import type { Persona } from '../../server/orchestrator/persona-file.ts';
import { createPersonaCatalog } from '../../server/orchestrator/personas.ts';
import { DEFAULT_ROOM_SETTINGS } from '../../server/orchestrator/room-settings.ts';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../../server/providers/chat-model.ts';
import { InProcessRoomBus } from '../../server/realtime/in-process-room-bus.ts';
import { createPostgresStores } from '../../server/store/postgres-stores.ts';
import type { PGliteSql } from '../../server/store/pglite-sql.ts';
import { createToolRegistry } from '../../server/tools/registry.ts';
import type { Message } from '../../protocol/room.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { startTestHub, TEST_JWT_SECRET, type TestHub } from '../helpers/hub.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { checkAnswer, checkRoomEvent } from './answers.ts';

const HANDLES = ['ada', 'bob', 'cy'] as const;
const PART_WORDS = 6;

/** A gate the models wait at: `reached` counts the replies waiting, `open()` lets them on. */
class Gate {
  reached = 0;
  private opened = false;
  private waiters: Array<() => void> = [];

  wait(signal: AbortSignal): Promise<void> {
    if (this.opened) return Promise.resolve();
    this.reached += 1;
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  open(): void {
    this.opened = true;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

/** Words `<name>-<part>.<n> `, a few milliseconds apart (past the coalescing window), in three gated parts. */
class ThreePartModel implements ChatModel {
  readonly provider = 'offline';
  gates: [Gate, Gate] = [new Gate(), new Gate()];
  /** Words yielded, over all replies. */
  words = 0;

  constructor(private readonly name: string) {}

  async *stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    for (let part = 0; part < 3; part += 1) {
      if (part > 0) await this.gates[part - 1]!.wait(request.signal);
      for (let word = 0; word < PART_WORDS; word += 1) {
        if (request.signal.aborted) return;
        this.words += 1;
        yield { type: 'text-delta', delta: `${this.name}-${part}.${word} ` };
        await new Promise((resolve) => setTimeout(resolve, 12));
      }
    }
    yield { type: 'finish', reason: 'stop', usage: { inputTokens: 10, outputTokens: 18 } };
  }
}

function persona(handle: string): Persona {
  return {
    name: handle.toUpperCase(),
    handle,
    provider: 'offline',
    model: `${handle}-model`,
    color: '#1d4ed8',
    tools: [],
    description: `${handle} answers.`,
    keywords: [],
    isDefault: handle === 'ada',
    systemPrompt: `You are ${handle}.`,
    sourceFile: `${handle}.md`,
  };
}

let sql: PGliteSql;
let hub: TestHub;
let bus: InProcessRoomBus;
let orchestrator: Orchestrator;
let server: http.Server;
let url: string;
let models: Map<string, ThreePartModel>;
/** How long the API's transcript reads wait first: replies stream on meanwhile, into the route's buffer. */
let readDelayMs = 0;
/** Live subscriptions of the events route, per room. */
const subscriptions = new Map<string, number>();
/** The server side of each events stream, and the `Last-Event-ID` each one came with. */
const streams: Array<{ socket: Socket; lastEventId: string | undefined }> = [];
const clients: EventSource[] = [];

beforeAll(async () => {
  [sql, hub] = await Promise.all([openTestPGlite(), startTestHub()]);
  const store = createPostgresStores(sql);
  bus = new InProcessRoomBus(hub.hub);
  models = new Map(HANDLES.map((handle) => [handle, new ThreePartModel(handle)]));
  orchestrator = new Orchestrator(
    {
      store,
      bus,
      personas: createPersonaCatalog(HANDLES.map(persona)),
      tools: createToolRegistry([]),
      log: () => {},
      modelFor: (entry) => models.get(entry.handle)!,
    },
    {
      coalesceWindowMs: 5,
      pollIntervalMs: 60_000,
      retryBaseDelayMs: 5,
      roomDefaults: DEFAULT_ROOM_SETTINGS,
    },
  );
  await orchestrator.start();
  const transcript = Object.create(store.transcript) as typeof store.transcript;
  transcript.listMessages = async (...args) => {
    if (readDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, readDelayMs));
    return store.transcript.listMessages(...args);
  };
  const app = createApp({
    log: () => {},
    store: { ...store, transcript },
    rooms: orchestrator,
    roomEvents: {
      broadcast: (roomId, event, payload) => bus.broadcast(roomId, event, payload),
      async subscribe(roomId, listener) {
        const unsubscribe = await bus.subscribe(roomId, listener);
        subscriptions.set(roomId, (subscriptions.get(roomId) ?? 0) + 1);
        return async () => {
          subscriptions.set(roomId, (subscriptions.get(roomId) ?? 1) - 1);
          await unsubscribe();
        };
      },
    },
    jwtSecret: TEST_JWT_SECRET,
    identitySecret: null,
    realtime: { url: hub.realtimeUrl, anonKey: hub.anonKey },
    ready: async () => true,
    sseHeartbeatMs: 1000,
  });
  server = http.createServer(app);
  server.on('request', (request: http.IncomingMessage) => {
    if (request.url?.includes('/events')) {
      const header = request.headers['last-event-id'];
      streams.push({
        socket: request.socket,
        lastEventId: typeof header === 'string' ? header : undefined,
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  readDelayMs = 0;
  for (const client of clients.splice(0)) client.close();
  for (const model of models.values()) for (const gate of model.gates) gate.open();
  for (const model of models.values()) model.gates = [new Gate(), new Gate()];
  streams.length = 0;
});

afterAll(async () => {
  await orchestrator.close();
  await bus.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await hub.close();
  await sql.close();
});

/** JSON over HTTP, every answer checked against the contract. */
async function call(method: string, path: string, token: string, body?: unknown, headers = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const answer = {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text,
    body:
      text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined,
  };
  checkAnswer(method, path, answer);
  return answer;
}

async function joinRoom() {
  const room = `resume-${randomUUID().slice(0, 8)}`;
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, name: 'Grace' }),
  });
  const { token } = (await response.json()) as { token: string };
  return { room, token };
}

interface Received {
  event: string;
  data: Record<string, unknown>;
  lastEventId: string;
}

const EVENTS = ['message', 'message-start', 'text-delta', 'message-end'] as const;

/** The real `eventsource` client, its bearer added by its `fetch` option; every event checked against the contract. */
function connect(room: string, token: string, headers: Record<string, string> = {}) {
  const received: Received[] = [];
  const errors: unknown[] = [];
  let opens = 0;
  const source = new EventSource(`${url}/api/rooms/${room}/events`, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...headers, ...init?.headers, authorization: `Bearer ${token}` },
      }),
  });
  clients.push(source);
  source.addEventListener('open', () => (opens += 1));
  source.addEventListener('error', (error) => errors.push(error));
  for (const event of EVENTS) {
    source.addEventListener(event, (message) => {
      const entry = { event, data: JSON.parse(message.data) as Record<string, unknown> };
      checkRoomEvent(entry);
      received.push({ ...entry, lastEventId: message.lastEventId });
    });
  }
  return {
    received,
    errors,
    opens: () => opens,
    textOf: (id: string) =>
      received
        .filter((entry) => entry.event === 'text-delta' && entry.data.id === id)
        .map((entry) => entry.data.delta as string)
        .join(''),
  };
}

/** The server side of the last events stream: destroying it is a dropped connection. */
function dropConnection() {
  const stream = streams.at(-1);
  if (!stream) throw new Error('no events stream to drop');
  stream.socket.destroy();
}

function replyIds(received: Received[]): string[] {
  return received
    .filter((entry) => entry.event === 'message-start')
    .map((entry) => entry.data.id as string);
}

async function storedMessages(room: string, token: string): Promise<Message[]> {
  const page = await call('GET', `/api/rooms/${room}/messages`, token);
  expect(page.status).toBe(200);
  return (page.body as { messages: Message[] }).messages;
}

/** Each reply's deltas came once each, in `seq` order, and its text is the stored reply's. */
function expectEveryDeltaOnce(client: ReturnType<typeof connect>, replies: Message[]) {
  for (const message of replies) {
    const seqs = client.received
      .filter((entry) => entry.event === 'text-delta' && entry.data.id === message.id)
      .map((entry) => entry.data.seq as number);
    expect(seqs).toEqual([...new Set(seqs)].sort((first, second) => first - second));
    expect(message.status).toBe('complete');
    expect(client.textOf(message.id)).toBe(message.content);
    const of = (event: string) =>
      client.received.filter(
        (entry) =>
          entry.event === event &&
          (entry.data.id === message.id ||
            (entry.data.message as Message | undefined)?.id === message.id),
      );
    expect(of('message-start')).toHaveLength(1);
    expect(of('message-end')).toHaveLength(1);
    expect((of('message-end')[0]!.data.message as Message).content).toBe(message.content);
  }
}

describe('GET /api/rooms/:room/events resumed with Last-Event-ID (eventsource client)', () => {
  it('gives three agents streaming at once every delta exactly once across a dropped connection', async () => {
    const { room, token } = await joinRoom();
    const client = connect(room, token);
    await waitFor(() => client.opens() === 1, { what: 'the stream to open' });

    const posted = await call('POST', `/api/rooms/${room}/messages`, token, {
      id: randomUUID(),
      content: 'Hello @ada @bob @cy',
    });
    expect(posted.status).toBe(201);
    const gates = [...models.values()].map((model) => model.gates);
    // Part 0 of every reply reaches the client...
    await waitFor(() => gates.every(([gate]) => gate.reached === 1), { what: 'part 0 streamed' });
    await waitFor(
      () =>
        replyIds(client.received).length === 3 &&
        replyIds(client.received).every((id) =>
          client.textOf(id).includes(`-0.${PART_WORDS - 1} `),
        ),
      { what: 'part 0 received' },
    );
    // ...then the connection drops, and part 1 streams while the client is away...
    const before = client.received.length;
    const lastIdSeen = client.received.at(-1)?.lastEventId;
    dropConnection();
    await waitFor(() => client.errors.length > 0, { what: 'the client to see the drop' });
    for (const [gate] of gates) gate.open();
    await waitFor(() => gates.every(([, gate]) => gate.reached === 1), { what: 'part 1 streamed' });
    expect(client.received.length).toBe(before);
    // ...the client reconnects by itself with Last-Event-ID, and part 2 streams live.
    await waitFor(() => client.opens() === 2, { what: 'the reconnection', timeoutMs: 8000 });
    expect(streams.at(-1)?.lastEventId).toBe(lastIdSeen);
    await waitFor(
      () =>
        replyIds(client.received).every((id) =>
          client.textOf(id).includes(`-1.${PART_WORDS - 1} `),
        ),
      { what: 'part 1 replayed' },
    );
    for (const [, gate] of gates) gate.open();
    await waitFor(
      () => client.received.filter((entry) => entry.event === 'message-end').length === 3,
      { what: 'the three replies to end' },
    );

    const stored = await storedMessages(room, token);
    const replies = stored.filter((message) => message.author.kind === 'agent');
    expect(replies).toHaveLength(3);
    expectEveryDeltaOnce(client, replies);
    expect(client.received.filter((entry) => entry.event === 'message')).toHaveLength(1);
    for (const entry of client.received) expect(entry.lastEventId).toMatch(/^v1:/);
  });

  it('replays a reply that finished, and a message posted, while the client was away', async () => {
    const { room, token } = await joinRoom();
    const client = connect(room, token);
    await waitFor(() => client.opens() === 1, { what: 'the stream to open' });
    await call('POST', `/api/rooms/${room}/messages`, token, {
      id: randomUUID(),
      content: 'Only @bob please',
    });
    const bob = models.get('bob')!;
    await waitFor(() => bob.gates[0].reached === 1, { what: 'part 0 streamed' });
    await waitFor(
      () => client.textOf(replyIds(client.received)[0] ?? '').includes(`-0.${PART_WORDS - 1} `),
      {
        what: 'part 0 received',
      },
    );
    dropConnection();
    await waitFor(() => client.errors.length > 0, { what: 'the client to see the drop' });
    for (const model of models.values()) for (const gate of model.gates) gate.open();
    const reply = replyIds(client.received)[0]!;
    // Unaddressed, so the default agent (ada) answers it, start to end, while the client is away.
    const later = await call('POST', `/api/rooms/${room}/messages`, token, {
      id: randomUUID(),
      content: 'Thanks!',
    });
    expect(later.status).toBe(201);
    const laterId = (later.body as { message: Message }).message.id;
    await waitFor(
      async () => {
        const agents = (await storedMessages(room, token)).filter(
          (message) => message.author.kind === 'agent',
        );
        return agents.length === 2 && agents.every((message) => message.status === 'complete');
      },
      { what: 'both replies to finish while the client is away' },
    );
    expect(client.opens()).toBe(1);

    await waitFor(() => client.opens() === 2, { what: 'the reconnection', timeoutMs: 8000 });
    await waitFor(
      () => client.received.filter((entry) => entry.event === 'message-end').length === 2,
      { what: 'both replies to end' },
    );
    const stored = await storedMessages(room, token);
    const [bobReply, adaReply] = stored.filter((message) => message.author.kind === 'agent');
    expect(bobReply!.id).toBe(reply);
    expectEveryDeltaOnce(client, [bobReply!]);
    // What the client never saw arrives in its final form, once, in transcript order.
    const afterDrop = client.received.slice(
      client.received.findIndex((entry) => entry.lastEventId === streams.at(-1)?.lastEventId) + 1,
    );
    expect(afterDrop.map((entry) => entry.event)).toEqual([
      'text-delta',
      'message-end',
      'message',
      'message-end',
    ]);
    expect((afterDrop[2]!.data.message as Message).id).toBe(laterId);
    expect(afterDrop[3]!.data.message).toEqual(adaReply);
    expect(client.received.filter((entry) => entry.event === 'message')).toHaveLength(2);
  });

  it('resumes while three replies keep streaming: nothing sent during the replay comes twice', async () => {
    const { room, token } = await joinRoom();
    const first = connect(room, token);
    await waitFor(() => first.opens() === 1, { what: 'the stream to open' });
    await call('POST', `/api/rooms/${room}/messages`, token, {
      id: randomUUID(),
      content: '@all what do you think?',
    });
    const gates = [...models.values()].map((model) => model.gates);
    await waitFor(() => gates.every(([gate]) => gate.reached === 1), { what: 'part 0 streamed' });
    await waitFor(
      () =>
        replyIds(first.received).length === 3 &&
        replyIds(first.received).every((id) => first.textOf(id).includes(`-0.${PART_WORDS - 1} `)),
      { what: 'part 0 received' },
    );
    clients.splice(0).forEach((source) => source.close());
    const lastId = first.received.at(-1)!.lastEventId;
    expect(lastId).toMatch(/^v1:/);
    // The replies stream on while no client listens, then while the second client connects,
    // replays and goes live: deltas that come while the replay reads the transcript are in what
    // it replays.
    const counted = [...models.values()].map((model) => model.words);
    for (const gate of gates.flat()) gate.open();
    await waitFor(
      () => [...models.values()].every((model, index) => model.words >= counted[index]! + 2),
      { what: 'part 1 to stream on' },
    );
    readDelayMs = 60;
    const second = connect(room, token, { 'last-event-id': lastId });
    await waitFor(
      () => second.received.filter((entry) => entry.event === 'message-end').length === 3,
      { what: 'the three replies to end' },
    );
    expect(streams.at(-1)?.lastEventId).toBe(lastId);
    const replies = (await storedMessages(room, token)).filter(
      (message) => message.author.kind === 'agent',
    );
    expect(replies).toHaveLength(3);
    const both = { ...second, received: [...first.received, ...second.received] };
    both.textOf = (id: string) => first.textOf(id) + second.textOf(id);
    expectEveryDeltaOnce(both, replies);
    expect(second.received.filter((entry) => entry.event === 'message-start')).toHaveLength(0);
  });

  it('resumes from ?lastEventId= too, and refuses an id this room did not give out (400, nothing subscribed)', async () => {
    for (const gate of models.get('cy')!.gates) gate.open();
    const { room, token } = await joinRoom();
    const client = connect(room, token);
    await waitFor(() => client.opens() === 1, { what: 'the stream to open' });
    const posted = await call('POST', `/api/rooms/${room}/messages`, token, {
      id: randomUUID(),
      content: 'Hi @cy',
    });
    const human = await waitFor(() => client.received.find((entry) => entry.event === 'message'));
    const end = await waitFor(() => client.received.find((entry) => entry.event === 'message-end'));
    clients.splice(0).forEach((source) => source.close());
    await waitFor(() => subscriptions.get(room) === 0, { what: 'the first stream to end' });
    expect((human.data.message as Message).id).toBe(
      (posted.body as { message: Message }).message.id,
    );

    // Resumed after the human message: the reply comes as its final form, nothing else.
    const controller = new AbortController();
    const resumed = await fetch(
      `${url}/api/rooms/${room}/events?lastEventId=${encodeURIComponent(human.lastEventId)}`,
      { headers: { authorization: `Bearer ${token}` }, signal: controller.signal },
    );
    expect(resumed.status).toBe(200);
    const reader = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: message-end')) text += (await reader.read()).value ?? '';
    controller.abort();
    const block = text
      .slice(text.lastIndexOf('\n\nid: ') + 2)
      .trim()
      .split('\n');
    expect(block[0]).toBe(`id: ${end.lastEventId}`);
    expect(block[1]).toBe('event: message-end');
    expect(JSON.parse(block[2]!.slice('data: '.length))).toEqual(end.data);
    expect(text).not.toContain('event: message\n');
    expect(text).not.toContain('event: text-delta');

    const other = await joinRoom();
    const otherClient = connect(other.room, other.token);
    await waitFor(() => otherClient.opens() === 1, { what: 'the other stream to open' });
    await call('POST', `/api/rooms/${other.room}/messages`, other.token, {
      id: randomUUID(),
      content: 'Hi @cy',
    });
    const otherEnd = await waitFor(() =>
      otherClient.received.find((entry) => entry.event === 'message-end'),
    );
    clients.splice(0).forEach((source) => source.close());
    await waitFor(() => subscriptions.get(other.room) === 0, { what: 'the other stream to end' });
    const [version, tag, position] = end.lastEventId.split(':');
    const refused = [
      { header: 'garbage' },
      { header: `${end.lastEventId}:not-a-message/1/1` },
      { header: otherEnd.lastEventId }, // another room's stream
      { header: `${version}:${tag}:${position}:${randomUUID()}/3/12` }, // no message of this room
      { query: 'v1:12345678:x' },
      { query: 'x'.repeat(3000) },
    ];
    for (const { header, query } of refused) {
      const path = `/api/rooms/${room}/events${query ? `?lastEventId=${query}` : ''}`;
      const answer = await call(
        'GET',
        path,
        token,
        undefined,
        header ? { 'last-event-id': header } : {},
      );
      expect(answer.status, `${header ?? query}`).toBe(400);
      expect((answer.body as { error: { code: string } }).error.code).toBe('invalid_request');
      expect(subscriptions.get(room)).toBe(0);
    }
  });
});
