import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Author, Message } from '../../protocol/room.ts';
import { ADA, openTestStores, recordingLogger } from '../../test/helpers/orchestrator-harness.ts';
import { testPersona } from '../../test/helpers/personas.ts';
import { RecordingRoomBus } from '../../test/helpers/recording-room-bus.ts';
import {
  finish,
  gate,
  replyParts,
  ScriptedChatModel,
} from '../../test/helpers/scripted-chat-model.ts';
import { waitFor as waitForAtMost } from '../../test/helpers/wait-for.ts';
import type { PostgresStores } from '../store/postgres-stores.ts';
import type { Room } from '../store/rooms.ts';
import { postHumanMessage } from '../store/store.ts';
import { createToolRegistry } from '../tools/registry.ts';
import {
  NotYourReplyError,
  Orchestrator,
  type OrchestratorDependencies,
  type OrchestratorOptions,
} from './orchestrator.ts';
import { createPersonaCatalog } from './personas.ts';

const GRACE: Author = { kind: 'human', id: 'guest:grace', name: 'Grace' };
const personas = createPersonaCatalog([
  testPersona('sage', { isDefault: true }),
  testPersona('scout'),
  testPersona('critic'),
]);

let stores: PostgresStores;
let bus: RecordingRoomBus;
let models: Record<string, ScriptedChatModel>;
let orchestrator: Orchestrator;
let rooms = 0;

beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(async () => {
  await stores.close();
});
beforeEach(async () => {
  bus = new RecordingRoomBus();
  models = {
    sage: new ScriptedChatModel(),
    scout: new ScriptedChatModel(),
    critic: new ScriptedChatModel(),
  };
  orchestrator = newOrchestrator();
  await orchestrator.start();
});
afterEach(async () => {
  await orchestrator.close();
});

/** An orchestrator on the file's stores, the test's bus and scripted models; polling a minute apart. */
function newOrchestrator(
  options: Partial<OrchestratorOptions> = {},
  deps: Partial<OrchestratorDependencies> = {},
): Orchestrator {
  return new Orchestrator(
    {
      store: stores,
      bus,
      personas,
      tools: createToolRegistry([]),
      modelFor: (persona) => models[persona.handle]!,
      log: recordingLogger(),
      ...deps,
    },
    { pollIntervalMs: 60_000, coalesceWindowMs: 5, summaryQuietMs: 0, ...options },
  );
}

/** A room of its own for each test (one database serves the file). */
async function newRoom(settings: Record<string, unknown> = {}): Promise<Room> {
  rooms += 1;
  return stores.rooms.ensureRoom({ id: `orchestrated-${rooms}`, title: 'Test room', settings });
}

/** Waits for what the orchestrator does in the background, with room to spare on a busy machine. */
const waitFor = <T>(check: () => T | Promise<T>, options: { what?: string } = {}) =>
  waitForAtMost(check, { timeoutMs: 10_000, ...options });

const post = (room: Room, content: string, author: Author = ADA) =>
  orchestrator.postMessage({ room, id: crypto.randomUUID(), author, content });
const ended = (room: Room) =>
  bus.events(room.id, 'message-end').map((entry) => entry.payload['message'] as Message);
const notices = (room: Room) =>
  bus
    .events(room.id, 'message')
    .map((entry) => entry.payload['message'] as Message)
    .filter((message) => message.author.kind === 'system');

describe('Orchestrator: a round', () => {
  it('posts a message, queues the speakers and streams their replies', async () => {
    const room = await newRoom({ policy: 'default' });
    models.sage!.enqueue(replyParts('Hello ', 'Ada.'));
    const { message, created } = await post(room, 'Hi there');
    expect(created).toBe(true);
    expect(bus.events(room.id, 'message')[0]!.payload['message']).toEqual(message);

    await waitFor(() => ended(room).length === 1, { what: "Sage's reply" });
    const [reply] = ended(room);
    expect(reply).toMatchObject({
      author: { id: 'sage' },
      replyTo: message.id,
      reason: 'default',
      status: 'complete',
      content: 'Hello Ada.',
    });
    expect(await stores.transcript.getMessage(reply!.id)).toEqual(reply);
    const [request] = models.sage!.requests;
    expect(request!.turns).toEqual([{ role: 'user', name: 'Ada', content: 'Hi there' }]);
    expect(request!.system).toContain('- Scout (@scout)');
    await waitFor(async () => (await stores.runs.listRuns(message.id))[0]?.status === 'done', {
      what: 'the run to be done',
    });
  });

  it('is idempotent by id: a retried post queues nothing new', async () => {
    const room = await newRoom({ policy: 'default' });
    models.sage!.enqueue(replyParts('Once.'));
    const id = crypto.randomUUID();
    await orchestrator.postMessage({ room, id, author: ADA, content: 'Hello' });
    const again = await orchestrator.postMessage({ room, id, author: ADA, content: 'Hello' });
    expect(again.created).toBe(false);
    await waitFor(() => ended(room).length === 1);
    expect(await stores.runs.listRuns(id)).toHaveLength(1);
    expect(bus.events(room.id, 'message')).toHaveLength(1);
  });

  it('hands off to the agent a reply @mentions, and stops at the turn cap with a notice', async () => {
    const room = await newRoom({ policy: 'default', maxAgentTurns: 1 });
    models.sage!.enqueue(replyParts('Good question. @critic, what risks do you see?'));
    models.critic!.enqueue(replyParts('Some risks. @scout could you find numbers?'));
    const { message } = await post(room, 'Should we ship on Friday?');

    await waitFor(() => notices(room).length === 1, { what: 'the cap notice' });
    expect(ended(room).map((reply) => [reply.author.id, reply.reason, reply.replyTo])).toEqual([
      ['sage', 'default', message.id],
      ['critic', 'handoff', message.id],
    ]);
    expect(notices(room)[0]).toMatchObject({
      content: expect.stringContaining('after 1 turns'),
      replyTo: ended(room)[1]!.id,
    });
    expect(models.scout!.requests).toHaveLength(0);
    // Critic saw Sage's reply as another speaker's turn.
    expect(models.critic!.requests[0]!.turns.at(-1)).toEqual({
      role: 'user',
      name: 'Sage',
      content: 'Good question. @critic, what risks do you see?',
    });
  });

  it('says when a round is over: after its last reply and hand-off, never before; at once when nobody answers', async () => {
    const room = await newRoom({ policy: 'default' });
    models.sage!.enqueue(replyParts('Let me ask. @critic, risks?'));
    models.critic!.enqueue(replyParts('A few.'));
    const { message } = await post(room, 'Ship on Friday?');
    await waitFor(() => bus.events(room.id, 'round-end').length > 0, { what: 'round-end' });
    // In the room's order: both replies ended, then the round.
    const order = bus
      .events(room.id)
      .filter((entry) => entry.event === 'message-end' || entry.event === 'round-end')
      .map((entry) => entry.event);
    expect(order).toEqual(['message-end', 'message-end', 'round-end']);
    expect(bus.events(room.id, 'round-end')[0]!.payload).toEqual({ id: message.id });

    const quiet = await newRoom({ policy: 'default', agents: ['nobody'] });
    const unanswered = await post(quiet, 'Anyone?');
    expect(bus.events(quiet.id, 'round-end').map((entry) => entry.payload)).toEqual([
      { id: unanswered.message.id },
    ]);
  });

  it('says a round is over once, after the last of the replies this process streams, its usage settled', async () => {
    const room = await newRoom({ policy: 'default' });
    const last = gate();
    models.sage!.enqueue(replyParts('Sage.'));
    models.scout!.enqueue(replyParts('Scout.'));
    models.critic!.enqueue([
      { type: 'text-delta', delta: 'Critic' },
      { type: 'gate', gate: last },
      ...replyParts('.'),
    ]);
    const { message } = await post(room, '@all hello');
    await last.reached;
    await waitFor(
      async () =>
        (await stores.runs.listRuns(message.id)).filter((run) => run.status === 'done').length ===
        2,
      { what: 'two runs done' },
    );
    expect(bus.events(room.id, 'round-end')).toEqual([]);

    last.open();
    await waitFor(() => bus.events(room.id, 'round-end').length > 0, { what: 'round-end' });
    const order = bus
      .events(room.id)
      .filter((entry) => entry.event === 'message-end' || entry.event === 'round-end')
      .map((entry) => entry.event);
    expect(order).toEqual(['message-end', 'message-end', 'message-end', 'round-end']);
    expect(await stores.budget.getTokenBudget(room.id)).toMatchObject({ reserved: 0 });
    expect((await stores.budget.getTokenBudget(room.id)).used).toBeGreaterThan(0);
  });

  it('ends a round whose last run cannot be answered (its agent is gone)', async () => {
    await orchestrator.close();
    orchestrator = newOrchestrator({ maxRepliesPerRoom: 1 });
    await orchestrator.start();
    const room = await newRoom({ policy: 'default' });
    // One reply at a time in the room: the run of an agent since removed is queued after Sage's.
    const held = gate();
    models.sage!.enqueue([{ type: 'gate', gate: held }, ...replyParts('Sage.')]);
    const { message } = await postHumanMessage(stores, {
      id: crypto.randomUUID(),
      roomId: room.id,
      author: ADA,
      content: 'Hello?',
      runs: [{ agentId: 'sage', reason: 'mention' }],
    });
    await held.reached;
    await stores.runs.enqueueRuns({
      roomId: room.id,
      triggerMessageId: message.id,
      runs: [{ agentId: 'retired', reason: 'mention' }],
    });
    held.open();
    await waitFor(() => bus.events(room.id, 'round-end').length > 0, { what: 'round-end' });
    expect(ended(room).map((reply) => reply.author.id)).toEqual(['sage']);
    expect(
      (await stores.runs.listRuns(message.id)).map((run) => [run.agentId, run.status]),
    ).toEqual(
      expect.arrayContaining([
        ['sage', 'done'],
        ['retired', 'failed'],
      ]),
    );
  });

  it('answers every agent once on @all, and a hand-off never brings back one that spoke', async () => {
    const room = await newRoom({ policy: 'default' });
    models.sage!.enqueue(replyParts('Sage. @scout?'));
    models.scout!.enqueue(replyParts('Scout. @sage?'));
    models.critic!.enqueue(replyParts('Critic.'));
    await post(room, '@all hello');
    await waitFor(() => ended(room).length === 3);
    await orchestrator.close(); // nothing else was queued: closing leaves no reply behind
    expect(ended(room).map((reply) => reply.reason)).toEqual(['mention', 'mention', 'mention']);
    // Ending together, the three asked whether the round was over: the room heard it once.
    expect(bus.events(room.id, 'round-end')).toHaveLength(1);
    expect(notices(room)).toEqual([]);
  });
});

describe('Orchestrator: the token budget', () => {
  it('keeps messages past the budget unanswered and tells the room once', async () => {
    const room = await newRoom({ policy: 'default', tokensPerDay: 2_000 });
    models.sage!.enqueue([
      { type: 'text-delta', delta: 'Costly.' },
      finish({ inputTokens: 1_500, outputTokens: 500 }),
    ]);
    await post(room, 'First');
    await waitFor(() => ended(room).length === 1);
    await waitFor(async () => (await stores.budget.getTokenBudget(room.id)).used >= 2_000, {
      what: 'the usage to be counted',
    });

    const second = await post(room, 'Second');
    expect(await stores.runs.listRuns(second.message.id)).toEqual([]);
    await waitFor(() => notices(room).length === 1, { what: 'the budget notice' });
    await post(room, 'Third');
    expect(notices(room)).toHaveLength(1);
    expect(notices(room)[0]!.content).toContain('token budget');
    expect(models.sage!.requests).toHaveLength(1);
    expect(
      (await stores.transcript.recentMessages(room.id, 10)).map((message) => message.content),
    ).toEqual(expect.arrayContaining(['Second', 'Third']));
  });
});

describe('Orchestrator: replies waiting for budget', () => {
  it('starts a reply that did not fit beside another as soon as that one gives its reservation back', async () => {
    // Each reply reserves about 1,050 tokens: one fits in 1,500 at a time, not two.
    const room = await newRoom({ policy: 'default', tokensPerDay: 1_500 });
    models.sage!.enqueue(replyParts('Sage.'));
    models.scout!.enqueue(replyParts('Scout.'));
    const { message } = await post(room, '@sage @scout one at a time');
    // The poll is a minute away: only the reservation coming back can wake the second.
    await waitFor(() => ended(room).length === 2, { what: 'both replies' });
    expect(ended(room).map((reply) => reply.status)).toEqual(['complete', 'complete']);
    // One after the other: the second started only once the first had ended.
    expect(
      bus
        .events(room.id)
        .filter((entry) => entry.event === 'message-start' || entry.event === 'message-end')
        .map((entry) => entry.event),
    ).toEqual(['message-start', 'message-end', 'message-start', 'message-end']);
    expect(await stores.runs.listRuns(message.id)).toHaveLength(2);
    await waitFor(() => bus.events(room.id, 'round-end').length > 0, { what: 'round-end' });
  });
});

describe('Orchestrator: stop', () => {
  it('lets a participant stop only replies to their own messages, and shows who stopped it', async () => {
    const room = await newRoom({ policy: 'default' });
    const held = gate();
    models.sage!.enqueue([
      { type: 'text-delta', delta: 'Thinking out loud' },
      { type: 'gate', gate: held },
      ...replyParts(' never'),
    ]);
    await post(room, 'Go on and on');
    await held.reached;
    const replyId = bus.events(room.id, 'message-start')[0]!.payload['id'] as string;

    await expect(
      orchestrator.stop(
        { roomId: room.id, messageId: replyId },
        { id: GRACE.id, name: GRACE.name, role: 'guest' },
      ),
    ).rejects.toBeInstanceOf(NotYourReplyError);
    await orchestrator.stop(
      { roomId: room.id, all: true },
      { id: GRACE.id, name: GRACE.name, role: 'guest' },
    ); // all of Grace's: none
    expect(ended(room)).toEqual([]);

    await orchestrator.stop(
      { roomId: room.id, messageId: replyId },
      { id: ADA.id, name: ADA.name, role: 'guest' },
    );
    await waitFor(() => ended(room).length === 1);
    expect(ended(room)[0]).toMatchObject({
      id: replyId,
      status: 'cancelled',
      content: 'Thinking out loud',
      stoppedBy: { id: ADA.id, name: 'Ada' },
    });
  });
});

describe('Orchestrator: recovery', () => {
  it("tells the site's webhooks of a reply that a crashed process left, ended interrupted", async () => {
    const room = await newRoom({ policy: 'default' });
    await orchestrator.close(); // nothing of this process claims the run
    // A run another process claimed, started and then lost (its lease ran out).
    const { runs } = await postHumanMessage(stores, {
      id: crypto.randomUUID(),
      roomId: room.id,
      author: ADA,
      content: 'Hello?',
      runs: [{ agentId: 'scout', reason: 'mention' }],
    });
    const run = runs[0]!;
    const [claimed] = await stores.runs.claimRuns({
      owner: 'crashed-process',
      leaseMs: 1,
      roomId: room.id,
      limit: 1,
    });
    expect(claimed?.id).toBe(run.id);
    await stores.transcript.startAgentMessage({
      id: run.messageId,
      roomId: room.id,
      author: { kind: 'agent', id: 'scout', name: 'Scout' },
      replyTo: run.triggerMessageId,
      reason: 'mention',
      model: 'scout',
    });
    await new Promise((resolve) => setTimeout(resolve, 10));

    orchestrator = newOrchestrator({}, { webhooks: stores.webhooks });
    await orchestrator.start(); // recovers at start
    const events = await waitFor(async () => {
      const queued = await stores.webhooks.listEvents(room.id);
      return queued.some((event) => event.type === 'reply.completed') ? queued : undefined;
    });
    const completed = events.find((event) => event.type === 'reply.completed')!;
    expect(completed.data).toMatchObject({
      message: { id: run.messageId, status: 'interrupted', author: { id: 'scout' } },
    });
  });
});
