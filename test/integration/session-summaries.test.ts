/**
 * Session summaries end to end (PRODUCT.md: "when a room goes quiet, kept per room and fed back
 * to agents as memory; never leaked across rooms"): the real server on port 0 with a short quiet
 * time, realtime-js visitors, the database, and a fake OpenAI server recording what agents were
 * told.
 */
import { OpenAIChatModel } from '../../server/providers/openai/openai-chat-model.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { roomChannelName } from '../../protocol/room.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

let server: TestChorusServer | undefined;
let fake: FakeOpenAI | undefined;
let visitors: RoomVisitor[] = [];

/** The server with every persona speaking through one fake OpenAI server. */
async function start(quietMs: number) {
  fake = await startFakeOpenAI();
  const model = new OpenAIChatModel({ apiKey: 'test-key', baseURL: fake.url });
  server = await startChorusServer({
    env: { CHORUS_SUMMARY_QUIET_MS: String(quietMs) },
    modelFor: () => model,
  });
  return server;
}

async function join(roomId: string, name: string): Promise<RoomVisitor> {
  await server!.store.rooms.ensureRoom({
    id: roomId,
    title: roomId,
    settings: { policy: 'default' },
  });
  const visitor = await RoomVisitor.join(server!.url, roomId, name);
  visitors.push(visitor);
  return visitor;
}

/** What the agent was told as its system prompt in the `index`th model request. */
function systemPromptOf(index: number): string {
  const body = fake!.requests[index]!.body as {
    messages: Array<{ role: string; content: string }>;
  };
  return body.messages.find((message) => message.role === 'system')!.content;
}

const summariesOf = (visitor: RoomVisitor) =>
  visitor.events
    .filter((entry) => entry.event === 'room-summary')
    .map((entry) => entry.payload.summary as string);

async function sessionRows(roomId: string) {
  const { rows } = await server!.store.sql.query<{
    summary: string;
    started_at: Date;
    ended_at: Date;
  }>(
    'select summary, started_at, ended_at from room_sessions where room_id = $1 order by started_at',
    [roomId],
  );
  return rows;
}

beforeEach(() => {
  visitors = [];
});
afterEach(async () => {
  await Promise.all(visitors.map((visitor) => visitor.disconnect()));
  await server?.close();
  server = undefined;
  await fake?.close();
  fake = undefined;
});

describe('session summaries', () => {
  it('summarizes a room that went quiet, tells the room, and gives that room’s agents (only) the summary as memory', async () => {
    await start(300);
    const ada = await join('room-a', 'Ada');
    fake!.enqueue({
      text: 'Sounds good. I suggest we add a feature flag. Who will write the rollback plan?',
    });
    const question = await ada.post("Let's ship the beta on Friday.");
    await waitFor(() => ada.ended().length === 1, { what: 'the reply' });

    const [summary] = await waitFor(() => (summariesOf(ada).length > 0 ? summariesOf(ada) : null), {
      what: 'room-summary',
    });
    expect(summary).toContain("Decisions:\n- Ada: Let's ship the beta on Friday.");
    expect(summary).toContain('Open questions:\n- Sage: Who will write the rollback plan?');
    expect(summary).toContain('Proposals:\n- Sage: I suggest we add a feature flag.');
    const rows = await sessionRows('room-a');
    expect(rows).toEqual([{ summary, started_at: expect.any(Date), ended_at: expect.any(Date) }]);
    expect(rows[0]!.started_at.toISOString()).toBe(question.createdAt);
    expect(rows[0]!.ended_at.toISOString()).toBe(ada.ended()[0]!.createdAt);
    const events = await server!.store.audit.listEvents('room-a');
    expect(events.filter((event) => event.kind === 'session.summarized')).toHaveLength(1);
    expect(systemPromptOf(0)).not.toContain('Summary of earlier conversation');

    // The next reply in room A remembers; an agent in room B does not get room A's summary.
    fake!.enqueue({ text: 'I remember: Friday.' }, { text: 'Hello Grace.' });
    await ada.post('What did we decide?');
    await waitFor(() => ada.ended().length === 2, { what: 'the second reply' });
    expect(systemPromptOf(1)).toContain(`Summary of earlier conversation in this room`);
    expect(systemPromptOf(1)).toContain(summary);

    const grace = await join('room-b', 'Grace');
    await grace.post('Hi, what is new here?');
    await waitFor(() => grace.ended().length === 1, { what: 'the reply in room B' });
    expect(systemPromptOf(2)).not.toContain('Summary of earlier conversation');
    expect(systemPromptOf(2)).not.toContain('Friday');
    expect(summariesOf(grace)).toEqual([]);
  });

  it('waits while people keep talking, then summarizes the whole stretch once', async () => {
    await start(600);
    const ada = await join('busy', 'Ada');
    const posted = [];
    for (let index = 0; index < 6; index += 1) {
      fake!.enqueue({ text: `Noted, point ${index}.` });
      posted.push(await ada.post(`Let's keep point ${index}.`));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(summariesOf(ada)).toEqual([]); // 6 × 150 ms of talk, longer than the quiet time
    const [summary] = await waitFor(() => (summariesOf(ada).length > 0 ? summariesOf(ada) : null), {
      what: 'room-summary',
    });
    expect(summary).toMatch(/^Session of 12 messages from Ada, Sage\./);
    for (let index = 0; index < 6; index += 1)
      expect(summary).toContain(`- Ada: Let's keep point ${index}.`);
    const rows = await sessionRows('busy');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.started_at.toISOString()).toBe(posted[0]!.createdAt);
  });

  it('lets the agents leave a quiet room once its people have left, not before', async () => {
    await start(200);
    const ada = await join('room-p', 'Ada');
    await ada.trackPresence();
    fake!.enqueue({ text: 'Noted.' });
    await ada.post('Remember the blue bikes.');
    await waitFor(() => ada.ended().length === 1, { what: 'the reply' });
    const agentsPresent = () =>
      Object.values(server!.hub.presenceState(roomChannelName('room-p'), true))
        .flatMap((entry) => entry.metas)
        .filter((meta) => meta['kind'] === 'agent').length;
    expect(agentsPresent()).toBeGreaterThan(0);

    // Quiet, summarized, but Ada is still there: the agents stay.
    await waitFor(() => (summariesOf(ada).length > 0 ? true : null), { what: 'room-summary' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(agentsPresent()).toBeGreaterThan(0);

    await ada.disconnect();
    await waitFor(() => agentsPresent() === 0, { what: 'the agents leaving the room' });
  });

  it('shuts down cleanly with a quiet timer pending, and writes nothing afterwards', async () => {
    const running = await start(300);
    const ada = await join('closing', 'Ada');
    fake!.enqueue({ text: 'Noted.' });
    await ada.post("Let's stop here.");
    await waitFor(() => ada.ended().length === 1, { what: 'the reply' });
    await ada.disconnect();
    const started = Date.now();
    const before = running.statements.length;
    server = undefined;
    await running.close();
    expect(Date.now() - started).toBeLessThan(2000);
    const closed = running.statements.length;
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the quiet time
    expect(
      running.statements.slice(before).filter((statement) => /room_sessions/.test(statement.text)),
    ).toEqual([]);
    expect(running.statements.slice(closed)).toEqual([]);
  });
});

describe('CHORUS_SUMMARY_QUIET_MS', () => {
  it('defaults to ten minutes and refuses what is not a duration', () => {
    expect(loadConfig({}).orchestrator.summaryQuietMs).toBe(600_000);
    expect(loadConfig({ CHORUS_SUMMARY_QUIET_MS: '0' }).orchestrator.summaryQuietMs).toBe(0);
    expect(() => loadConfig({ CHORUS_SUMMARY_QUIET_MS: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ CHORUS_SUMMARY_QUIET_MS: '-1' })).toThrow(
      /CHORUS_SUMMARY_QUIET_MS must be an integer from 0 to 86400000/,
    );
  });
});
