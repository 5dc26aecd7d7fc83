/**
 * The Store's contract: one suite, run against every Sql implementation (PGlite in memory and a
 * real Postgres server), so both deployments behave the same.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Author } from '../../protocol/room.ts';
import { PostgresStore } from '../../server/store/postgres-store.ts';
import type { Sql } from '../../server/store/sql.ts';
import { MessageConflictError, NotFoundError, type Store } from '../../server/store/store.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ada: Author = { kind: 'human', id: 'guest-ada', name: 'Ada' };
const sage: Author = { kind: 'agent', id: 'sage', name: 'Sage' };

export function describeStoreContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`Store contract on ${name}`, () => {
    let store: Store;
    let roomCounter = 0;

    beforeAll(async () => {
      store = new PostgresStore(await openSql());
    });
    afterAll(async () => {
      await store.close();
    });

    /** Tests share one database and stay apart by using their own rooms. */
    async function freshRoom(settings: Record<string, unknown> = {}) {
      roomCounter += 1;
      return store.ensureRoom({ id: `room-${roomCounter}-${randomUUID().slice(0, 8)}`, title: 'Test room', settings });
    }

    const post = (roomId: string, content: string, runs: Parameters<Store['postHumanMessage']>[0]['runs'] = [], id = randomUUID()) =>
      store.postHumanMessage({ id, roomId, author: ada, content, runs });

    describe('rooms', () => {
      it('creates a room once and never overwrites it', async () => {
        const room = await freshRoom({ policy: 'all' });
        const again = await store.ensureRoom({ id: room.id, title: 'Other title', settings: { policy: 'default' } });
        expect(again).toEqual(room);
        expect(await store.getRoom('no-such-room')).toBeNull();
      });

      it('merges settings and refuses an unknown room', async () => {
        const room = await freshRoom({ policy: 'all', agents: ['sage'] });
        const updated = await store.updateRoomSettings(room.id, { policy: 'relevant' });
        expect(updated.settings).toEqual({ policy: 'relevant', agents: ['sage'] });
        await expect(store.updateRoomSettings('no-such-room', {})).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('human messages', () => {
      it('inserts the message and its runs together, and wakes listeners', async () => {
        const room = await freshRoom();
        const woken: string[] = [];
        const stop = await store.onRunsQueued((roomId) => woken.push(roomId));
        try {
          const { message, created, runs } = await post(room.id, 'Hello @sage', [{ agentId: 'sage', reason: 'mention' }]);
          expect(created).toBe(true);
          expect(message).toMatchObject({ roomId: room.id, author: ada, content: 'Hello @sage', status: 'complete', seq: 0, parts: [] });
          expect(runs).toEqual([expect.objectContaining({ agentId: 'sage', reason: 'mention', status: 'queued', triggerMessageId: message.id, depth: 0 })]);
          await waitFor(() => woken.includes(room.id), { what: 'the NOTIFY' });
        } finally {
          await stop();
        }
      });

      it('returns the stored message for a retried post, and refuses the same id with other content', async () => {
        const room = await freshRoom();
        const id = randomUUID();
        const first = await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }], id);
        const retry = await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }], id);
        expect(retry.created).toBe(false);
        expect(retry.message).toEqual(first.message);
        expect(retry.runs.map((run) => run.id)).toEqual(first.runs.map((run) => run.id));
        await expect(post(room.id, 'Something else', [], id)).rejects.toBeInstanceOf(MessageConflictError);
        const page = await store.listMessages(room.id);
        expect(page.messages.map((message) => message.content)).toEqual(['Hi']);
      });

      it('pages a transcript newest page first, each page oldest first, in-flight replies included', async () => {
        const room = await freshRoom();
        for (let index = 1; index <= 119; index += 1) await post(room.id, `message ${index}`);
        const reply = await store.startAgentMessage({ id: randomUUID(), roomId: room.id, author: sage, replyTo: null, reason: 'default', model: 'sage' });
        await store.checkpointAgentMessage(reply.id, { content: 'Half an ans', parts: [], seq: 4 });

        const first = await store.listMessages(room.id, { limit: 50 });
        expect(first.messages).toHaveLength(50);
        expect(first.messages.at(-1)).toMatchObject({ id: reply.id, status: 'streaming', content: 'Half an ans', seq: 4 });
        expect(first.messages[0]!.content).toBe('message 71');
        const second = await store.listMessages(room.id, { limit: 50, before: first.nextCursor });
        const third = await store.listMessages(room.id, { limit: 50, before: second.nextCursor });
        expect(second.messages.map((message) => message.content)).toEqual(Array.from({ length: 50 }, (_, index) => `message ${index + 21}`));
        expect(third.messages.map((message) => message.content)).toEqual(Array.from({ length: 20 }, (_, index) => `message ${index + 1}`));
        expect(third.nextCursor).toBeNull();
        expect(await store.recentMessages(room.id, 2)).toEqual(first.messages.slice(-2));
        await expect(store.listMessages(room.id, { before: 'not-a-cursor' })).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
        expect(await store.getMessage('not-a-uuid')).toBeNull();
      });

      it('searches one room only', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        await post(room.id, 'Our pricing page needs a rewrite');
        await post(room.id, 'Lunch at noon?');
        await post(other.id, 'Pricing is secret in this other room');
        const found = await store.searchMessages(room.id, 'pricing');
        expect(found.map((message) => message.content)).toEqual(['Our pricing page needs a rewrite']);
        expect(await store.searchMessages(room.id, 'nothing-like-this')).toEqual([]);
      });
    });

    describe('agent replies', () => {
      it('starts streaming, checkpoints, and finalises once', async () => {
        const room = await freshRoom();
        const { message: question } = await post(room.id, 'Why is the sky blue?');
        const id = randomUUID();
        const started = await store.startAgentMessage({ id, roomId: room.id, author: sage, replyTo: question.id, reason: 'default', model: 'sage' });
        expect(started).toMatchObject({ id, status: 'streaming', content: '', seq: 0, replyTo: question.id, reason: 'default', model: 'sage' });
        await store.checkpointAgentMessage(id, { content: 'Rayleigh', parts: [], seq: 2 });
        expect(await store.getMessage(id)).toMatchObject({ content: 'Rayleigh', seq: 2, status: 'streaming' });
        const parts = [{ type: 'reasoning' as const, text: 'Physics.' }];
        const final = await store.finishAgentMessage(id, {
          content: 'Rayleigh scattering.',
          parts,
          seq: 5,
          status: 'complete',
          usage: { inputTokens: 12, outputTokens: 5 },
        });
        expect(final).toMatchObject({ content: 'Rayleigh scattering.', parts, seq: 5, status: 'complete', usage: { inputTokens: 12, outputTokens: 5 } });
        await store.checkpointAgentMessage(id, { content: 'late checkpoint', parts: [], seq: 9 });
        expect((await store.getMessage(id))!.content).toBe('Rayleigh scattering.');
      });

      it('keeps a system notice in the transcript', async () => {
        const room = await freshRoom();
        const notice = await store.insertSystemMessage({ roomId: room.id, content: 'The agents reached their turn limit.' });
        expect(notice).toMatchObject({ author: { kind: 'system' }, status: 'complete' });
        expect((await store.listMessages(room.id)).messages).toEqual([notice]);
      });
    });

    describe('runs', () => {
      it('claims queued runs oldest first, for one owner at a time, and finishes them', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Everyone?', [
          { agentId: 'sage', reason: 'all' },
          { agentId: 'scout', reason: 'all' },
        ]);
        const claimed = await store.claimRuns({ owner: 'worker-a', leaseMs: 30_000, roomId: room.id });
        expect(claimed.map((run) => run.id).sort()).toEqual(runs.map((run) => run.id).sort());
        for (const run of claimed) expect(run).toMatchObject({ status: 'running', attempt: 1, leaseOwner: 'worker-a' });
        expect(await store.claimRuns({ owner: 'worker-b', leaseMs: 30_000, roomId: room.id })).toEqual([]);
        expect(await store.renewLease(claimed[0]!.id, 'worker-b', 30_000)).toBe(false);
        expect(await store.renewLease(claimed[0]!.id, 'worker-a', 30_000)).toBe(true);
        expect(await store.finishRun(claimed[0]!.id, 'worker-b', 'done')).toBe(false);
        expect(await store.finishRun(claimed[0]!.id, 'worker-a', 'done')).toBe(true);
        expect(await store.finishRun(claimed[0]!.id, 'worker-a', 'done')).toBe(false);
      });

      it('queues handoff runs and cancels queued runs by agent', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Hi');
        const queued = await store.enqueueRuns({
          roomId: room.id,
          triggerMessageId: message.id,
          runs: [
            { agentId: 'critic', reason: 'handoff', depth: 1 },
            { agentId: 'scout', reason: 'handoff', depth: 1 },
          ],
        });
        const cancelled = await store.cancelQueuedRuns({ roomId: room.id, agentId: 'critic' });
        expect(cancelled.map((run) => run.id)).toEqual([queued[0]!.id]);
        const claimed = await store.claimRuns({ owner: 'worker', leaseMs: 1000, roomId: room.id });
        expect(claimed.map((run) => [run.agentId, run.depth])).toEqual([['scout', 1]]);
      });

      it('recovers a run whose lease expired: its message ends interrupted with the checkpoint kept, and the audit log says so', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Tell me a story', [{ agentId: 'sage', reason: 'default' }]);
        const [run] = await store.claimRuns({ owner: 'crashed-worker', leaseMs: 1, roomId: room.id });
        await store.startAgentMessage({ id: run!.messageId, roomId: room.id, author: sage, replyTo: run!.triggerMessageId, reason: 'default', model: 'sage' });
        await store.checkpointAgentMessage(run!.messageId, { content: 'Once upon a', parts: [], seq: 3 });
        await new Promise((resolve) => setTimeout(resolve, 20)); // the 1 ms lease is past

        const recovered = (await store.recoverExpiredRuns()).filter((entry) => entry.run.roomId === room.id);
        expect(recovered).toHaveLength(1);
        expect(recovered[0]!.run).toMatchObject({ id: runs[0]!.id, status: 'failed', lastError: 'lease expired' });
        expect(recovered[0]!.message).toMatchObject({ id: run!.messageId, status: 'interrupted', content: 'Once upon a', seq: 3 });
        expect(await store.getMessage(run!.messageId)).toMatchObject({ status: 'interrupted', content: 'Once upon a' });
        const events = await store.listEvents(room.id);
        expect(events).toEqual([
          expect.objectContaining({ kind: 'run.recovered', actor: 'sage', data: expect.objectContaining({ runId: run!.id, leaseOwner: 'crashed-worker', seq: 3 }) }),
        ]);
        expect((await store.recoverExpiredRuns()).filter((entry) => entry.run.roomId === room.id)).toEqual([]);
        expect(await store.finishRun(run!.id, 'crashed-worker', 'done')).toBe(false);
      });
    });

    describe('session summaries', () => {
      it('writes a session from its messages, reads the latest per room, and starts the next session after it', async () => {
        const room = await freshRoom();
        expect(await store.latestSession(room.id)).toBeNull();
        const first = await post(room.id, 'Let us ship on Friday.');
        const second = await post(room.id, 'Agreed.');
        const unsummarized = await store.unsummarizedMessages(room.id, 200);
        expect(unsummarized.map((message) => message.id)).toEqual([first.message.id, second.message.id]);

        const session = await store.addSession({ roomId: room.id, messageIds: unsummarized.map((message) => message.id), summary: 'Decisions:\n- Ada: ship on Friday' });
        expect(session).toMatchObject({ roomId: room.id, startedAt: first.message.createdAt, endedAt: second.message.createdAt, summary: 'Decisions:\n- Ada: ship on Friday' });
        expect(await store.latestSession(room.id)).toEqual(session);
        expect(await store.unsummarizedMessages(room.id, 200)).toEqual([]);

        const third = await post(room.id, 'One more thing?');
        const fourth = await post(room.id, 'And another.');
        expect((await store.unsummarizedMessages(room.id, 200)).map((message) => message.id)).toEqual([third.message.id, fourth.message.id]);
        expect((await store.unsummarizedMessages(room.id, 1)).map((message) => message.id)).toEqual([fourth.message.id]);
        const next = await store.addSession({ roomId: room.id, messageIds: [third.message.id, fourth.message.id], summary: 'Later' });
        expect(next).toMatchObject({ startedAt: third.message.createdAt, summary: 'Later' });
        expect(await store.latestSession(room.id)).toEqual(next);
      });

      it('writes one session once when two writers race, whichever saw more of it', async () => {
        const room = await freshRoom();
        const ids: string[] = [];
        for (const content of ['How about Friday?', 'Friday works.', 'Late addition.']) ids.push((await post(room.id, content)).message.id);
        const results = await Promise.all([
          store.addSession({ roomId: room.id, messageIds: ids.slice(0, 2), summary: 'from writer one' }),
          store.addSession({ roomId: room.id, messageIds: ids, summary: 'from writer two' }),
          store.addSession({ roomId: room.id, messageIds: ids, summary: 'from writer three' }),
        ]);
        const written = results.filter((result) => result !== null);
        expect(written).toHaveLength(1);
        expect(await store.latestSession(room.id)).toEqual(written[0]);
        expect(await store.addSession({ roomId: room.id, messageIds: ids, summary: 'again' })).toBeNull();
      });

      it('never reads or writes across rooms', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        const secret = await post(room.id, 'We decided the secret plan.');
        await store.addSession({ roomId: room.id, messageIds: [secret.message.id], summary: 'the secret plan' });
        expect(await store.latestSession(other.id)).toBeNull();
        expect(await store.unsummarizedMessages(other.id, 200)).toEqual([]);
        // Another room's messages do not make a session of this room.
        const elsewhere = await post(other.id, 'Hello');
        expect(await store.addSession({ roomId: other.id, messageIds: [secret.message.id, 'not-a-uuid'], summary: 'stolen' })).toBeNull();
        expect(await store.latestSession(other.id)).toBeNull();
        expect((await store.unsummarizedMessages(other.id, 200)).map((message) => message.id)).toEqual([elsewhere.message.id]);
      });
    });

    describe('budgets and audit', () => {
      it('adds token usage per room per day', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        await store.addTokenUsage(room.id, { inputTokens: 100, outputTokens: 20 });
        await store.addTokenUsage(room.id, { inputTokens: 50, outputTokens: 5 });
        await store.addTokenUsage(room.id, { inputTokens: 7, outputTokens: 7 }, '2020-01-01');
        expect(await store.getTokenUsage(room.id)).toEqual({ inputTokens: 150, outputTokens: 25 });
        expect(await store.getTokenUsage(room.id, '2020-01-01')).toEqual({ inputTokens: 7, outputTokens: 7 });
        expect(await store.getTokenUsage(other.id)).toEqual({ inputTokens: 0, outputTokens: 0 });
      });

      it('appends audit events in order', async () => {
        const room = await freshRoom();
        await store.appendEvent({ roomId: room.id, kind: 'participant.joined', actor: 'guest-ada', data: { name: 'Ada' } });
        await store.appendEvent({ roomId: room.id, kind: 'tool.called', actor: 'scout', data: { name: 'calculator' } });
        const events = await store.listEvents(room.id);
        expect(events.map((event) => event.kind)).toEqual(['participant.joined', 'tool.called']);
        expect(await store.listEvents(room.id, { afterId: events[0]!.id })).toEqual([events[1]]);
      });
    });
  });
}
