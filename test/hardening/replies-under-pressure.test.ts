/**
 * Replies when people are not friendly or things fail: the daily token budget is a cap however
 * fast people post, a flooded room does not hold up other rooms, guests act only on replies to
 * their own messages, a failed final write still ends the reply, and a persona's call settings
 * reach its model. The whole server runs, with the offline personas.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../protocol/room.ts';
import type { ChatModel, ChatRequest } from '../../server/providers/chat-model.ts';
import { OfflineChatModel } from '../../server/providers/index.ts';
import { postHumanMessage } from '../../server/store/store.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

let server: TestChorusServer;
let visitors: RoomVisitor[] = [];

afterEach(async () => {
  await Promise.all(visitors.map((visitor) => visitor.disconnect()));
  visitors = [];
  await server?.close();
});

async function join(roomId: string, names: string[]): Promise<RoomVisitor[]> {
  const joined = await Promise.all(names.map((name) => RoomVisitor.join(server.url, roomId, name)));
  visitors.push(...joined);
  return joined;
}

/** Runs of a room not yet finished (queued or running). */
async function unfinishedRuns(roomId: string): Promise<number> {
  const { rows } = await server.store.sql.query<{ count: string | number }>(
    `select count(*) from agent_runs where room_id = $1 and status in ('queued', 'running')`,
    [roomId],
  );
  return Number(rows[0]!.count);
}

const replies = (messages: Message[]) =>
  messages.filter((message) => message.author.kind === 'agent');

describe('the daily token budget', () => {
  it('is a cap: forty @all posts in a burst spend at most the budget, and the room is told once', async () => {
    const fast = new OfflineChatModel({ tokensPerSecond: 400, firstTokenDelayMs: 0 });
    server = await startChorusServer({
      modelFor: () => fast,
      env: { CHORUS_TOKENS_PER_ROOM_PER_DAY: '5000' },
    });
    await server.store.rooms.ensureRoom({
      id: 'budget',
      title: 'Budget',
      settings: { policy: 'all' },
    });
    const people = await join('budget', ['Ada', 'Grace', 'Alan', 'Edsger']);

    await Promise.all(
      people.flatMap((person, index) =>
        Array.from({ length: 10 }, (_, turn) =>
          person.post(`@all question ${index}-${turn}: what do you think?`),
        ),
      ),
    );
    await waitFor(async () => (await unfinishedRuns('budget')) === 0, {
      timeoutMs: 30_000,
      what: 'every run finished or refused',
    });

    const usage = await server.store.budget.getTokenUsage('budget');
    expect(usage.inputTokens + usage.outputTokens).toBeLessThanOrEqual(5000);
    const transcript = await people[0]!.fetchMessages();
    expect(replies(transcript).length).toBeGreaterThan(0);
    expect(
      transcript.filter(
        (message) => message.author.kind === 'system' && message.content.includes('token budget'),
      ),
    ).toHaveLength(1);
    expect((await server.store.budget.getTokenBudget('budget')).reserved).toBe(0);
  });
});

describe('fairness between rooms', () => {
  it('starts a reply in a quiet room while a flooded room still has dozens of runs waiting', async () => {
    const slow = new OfflineChatModel({ tokensPerSecond: 20, firstTokenDelayMs: 50 });
    server = await startChorusServer({ modelFor: () => slow });
    await server.store.rooms.ensureRoom({
      id: 'flooded',
      title: 'Flooded',
      settings: { policy: 'all' },
    });
    await server.store.rooms.ensureRoom({
      id: 'quiet',
      title: 'Quiet',
      settings: { policy: 'default' },
    });
    const flood = Array.from({ length: 40 }, (_, index) =>
      postHumanMessage(server.store, {
        id: crypto.randomUUID(),
        roomId: 'flooded',
        author: { kind: 'human', id: `flooder-${index}`, name: 'Flooder' },
        content: `flood ${index}`,
        runs: ['sage', 'scout', 'critic'].map((agentId) => ({ agentId, reason: 'all' as const })),
      }),
    );
    await Promise.all(flood);
    const [ada] = await join('quiet', ['Ada']);
    await ada!.post('Hello, is anyone there?');

    await waitFor(() => ada!.events.some((entry) => entry.event === 'text-delta'), {
      timeoutMs: 10_000,
      what: 'the quiet room reply streaming',
    });
    expect(await unfinishedRuns('flooded')).toBeGreaterThan(100);
    const { rows } = await server.store.sql.query<{ count: string | number }>(
      `select count(*) from agent_runs where room_id = 'flooded' and status = 'running'`,
    );
    expect(Number(rows[0]!.count)).toBeLessThanOrEqual(4);
  });
});

describe('who may stop and regenerate', () => {
  it('lets a guest stop only the replies to their own messages, and shows everyone who stopped one', async () => {
    const slow = new OfflineChatModel({ tokensPerSecond: 15, firstTokenDelayMs: 0 });
    server = await startChorusServer({ modelFor: () => slow });
    await server.store.rooms.ensureRoom({
      id: 'stops',
      title: 'Stops',
      settings: { policy: 'default' },
    });
    const [ada, grace] = await join('stops', ['Ada', 'Grace']);
    const question = await ada!.post('Tell me a long story, please.');
    await waitFor(() => grace!.events.some((entry) => entry.event === 'text-delta'), {
      what: 'the reply streaming',
    });
    const replyId = grace!.events.find((entry) => entry.event === 'message-start')!.payload
      .id as string;

    const refused = await grace!.request('POST', '/stop', { messageId: replyId });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await grace!.request('POST', '/stop', { all: true })).status).toBe(202);
    expect((await grace!.request('POST', '/stop', { agentId: 'sage' })).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(grace!.ended()).toEqual([]); // still streaming: nothing of Grace's was stopped

    expect((await ada!.request('POST', '/stop', { all: true })).status).toBe(202);
    await waitFor(() => grace!.ended().length === 1, { what: 'the reply ending for Grace' });
    expect(grace!.ended()[0]).toMatchObject({
      id: replyId,
      status: 'cancelled',
      stoppedBy: { name: 'Ada' },
    });
    const [stored] = replies(await grace!.fetchMessages());
    expect(stored).toMatchObject({
      id: replyId,
      replyTo: question.id,
      status: 'cancelled',
      stoppedBy: { id: ada!.session.participant.id, name: 'Ada' },
    });

    const regenerateOthers = await grace!.request('POST', `/messages/${replyId}/regenerate`);
    expect(regenerateOthers.status).toBe(403);
    expect((await ada!.request('POST', `/messages/${replyId}/regenerate`)).status).toBe(202);
  });
});

describe('a final write that fails', () => {
  it('still ends the reply for everyone, returns the agent to idle, and the room answers the next message', async () => {
    const fast = new OfflineChatModel({ tokensPerSecond: 400, firstTokenDelayMs: 0 });
    server = await startChorusServer({ modelFor: () => fast });
    await server.store.rooms.ensureRoom({
      id: 'failing',
      title: 'Failing',
      settings: { policy: 'default' },
    });
    const finish = server.store.transcript.finishAgentMessage.bind(server.store.transcript);
    let failures = 1;
    server.store.transcript.finishAgentMessage = (id, final) =>
      failures-- > 0 ? Promise.reject(new Error('the database went away')) : finish(id, final);
    const [ada] = await join('failing', ['Ada']);

    await ada!.post('First question');
    await waitFor(() => ada!.ended().length === 1, {
      what: 'message-end despite the failed write',
    });
    expect(ada!.ended()[0]!.content.length).toBeGreaterThan(0);
    await waitFor(
      () =>
        server.hub
          .presenceState('room:failing', true)
          ['sage']?.metas.some((meta) => meta['status'] === 'idle') ?? false,
      { what: 'Sage idle again' },
    );

    await ada!.post('Second question');
    await waitFor(() => ada!.ended().length === 2, { what: 'the next reply' });
    expect(ada!.ended()[1]).toMatchObject({ status: 'complete' });
  });
});

describe("a persona's call settings", () => {
  it('reach the model with every call: temperature and the output limit', async () => {
    const requests: ChatRequest[] = [];
    const offline = new OfflineChatModel({ tokensPerSecond: 400, firstTokenDelayMs: 0 });
    const recording: ChatModel = {
      provider: 'offline',
      stream(request) {
        requests.push(request);
        return offline.stream(request);
      },
    };
    server = await startChorusServer({ modelFor: () => recording });
    await server.store.rooms.ensureRoom({
      id: 'settings',
      title: 'Settings',
      settings: { policy: 'default' },
    });
    const [ada] = await join('settings', ['Ada']);
    await ada!.post('@sage hello');
    await waitFor(() => ada!.ended().length === 1);
    const sage = server.personas.find('sage')!;
    expect(sage.temperature).toBeDefined();
    expect(requests[0]).toMatchObject({
      temperature: sage.temperature,
      maxOutputTokens: sage.maxOutputTokens,
    });
  });
});
