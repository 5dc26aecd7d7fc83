/**
 * The Store's contract: one suite, run against every Sql implementation (PGlite in memory and a
 * real Postgres server), so both deployments behave the same.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Author } from '../../protocol/room.ts';
import { PostgresStore } from '../../server/store/postgres-store.ts';
import type { Sql } from '../../server/store/sql.ts';
import { MAX_RUN_ATTEMPTS, MessageConflictError, NotFoundError, type Store } from '../../server/store/store.ts';
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

    describe('fair claiming', () => {
      it('gives every room a turn before any room a second one, and never more than maxPerRoom running in a room', async () => {
        const own = new PostgresStore(await openSql()); // its own database: claims here see only these rooms
        try {
          const rooms = ['flooded', 'quiet', 'other'];
          for (const id of rooms) await own.ensureRoom({ id, title: id });
          const runsOf = (count: number) => Array.from({ length: count }, () => ({ agentId: 'sage', reason: 'all' as const }));
          for (let index = 0; index < 8; index += 1) await own.postHumanMessage({ id: randomUUID(), roomId: 'flooded', author: ada, content: `flood ${index}`, runs: runsOf(3) });
          await own.postHumanMessage({ id: randomUUID(), roomId: 'quiet', author: ada, content: 'hello', runs: runsOf(1) });
          await own.postHumanMessage({ id: randomUUID(), roomId: 'other', author: ada, content: 'hi', runs: runsOf(2) });

          const first = await own.claimRuns({ owner: 'a', leaseMs: 30_000, limit: 3, maxPerRoom: 4 });
          expect(first.map((run) => run.roomId).sort()).toEqual(['flooded', 'other', 'quiet']);
          const second = await own.claimRuns({ owner: 'b', leaseMs: 30_000, limit: 50, maxPerRoom: 4 });
          const count = (runs: typeof first, roomId: string) => runs.filter((run) => run.roomId === roomId).length;
          const all = [...first, ...second];
          expect([count(all, 'flooded'), count(all, 'quiet'), count(all, 'other')]).toEqual([4, 1, 2]);
          expect(await own.claimRuns({ owner: 'c', leaseMs: 30_000, limit: 50, maxPerRoom: 4 })).toEqual([]);

          expect(await own.finishRun(all.find((run) => run.roomId === 'flooded')!.id, all.find((run) => run.roomId === 'flooded')!.leaseOwner!, 'done')).toBe(true);
          const next = await own.claimRuns({ owner: 'c', leaseMs: 30_000, limit: 50, maxPerRoom: 4 });
          expect(next.map((run) => run.roomId)).toEqual(['flooded']);
          expect(next[0]!.triggerAuthorId).toBe(ada.id);
          expect(await own.claimRuns({ owner: 'd', leaseMs: 30_000, limit: 50, skipRooms: ['flooded'] })).toEqual([]);
        } finally {
          await own.close();
        }
      });

      it('puts a claimed run back in the queue for its owner only', async () => {
        const room = await freshRoom();
        await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }]);
        const [run] = await store.claimRuns({ owner: 'worker', leaseMs: 30_000, roomId: room.id });
        expect(await store.requeueRun(run!.id, 'someone-else')).toBe(false);
        expect(await store.requeueRun(run!.id, 'worker')).toBe(true);
        const [again] = await store.claimRuns({ owner: 'worker-2', leaseMs: 30_000, roomId: room.id });
        expect(again).toMatchObject({ id: run!.id, attempt: 1, leaseOwner: 'worker-2' });
      });
    });

    describe('crash recovery of runs that never started', () => {
      it('queues a run again when its process died before the reply began, and after the last attempt writes it interrupted', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Anyone?', [{ agentId: 'sage', reason: 'default' }]);
        const woken: string[] = [];
        const unlisten = await store.onRunsQueued((roomId) => woken.push(roomId));
        try {
          for (let attempt = 1; attempt <= MAX_RUN_ATTEMPTS; attempt += 1) {
            const [run] = await store.claimRuns({ owner: `crashed-${attempt}`, leaseMs: 1, roomId: room.id });
            expect(run).toMatchObject({ attempt });
            await new Promise((resolve) => setTimeout(resolve, 20));
            const [recovered] = (await store.recoverExpiredRuns({ agentName: () => 'Sage' })).filter((entry) => entry.run.roomId === room.id);
            if (attempt < MAX_RUN_ATTEMPTS) {
              expect(recovered).toMatchObject({ requeued: true, message: null, run: { status: 'queued' } });
              await waitFor(() => woken.includes(room.id), { what: 'a wake-up for the queued run' });
            } else {
              expect(recovered).toMatchObject({ requeued: false, run: { status: 'failed' } });
              expect(recovered!.message).toMatchObject({ id: run!.messageId, status: 'interrupted', replyTo: message.id, author: { kind: 'agent', id: 'sage', name: 'Sage' } });
            }
          }
          const transcript = (await store.listMessages(room.id)).messages;
          expect(transcript.map((entry) => [entry.author.kind, entry.status])).toEqual([
            ['human', 'complete'],
            ['agent', 'interrupted'],
          ]);
        } finally {
          await unlisten();
        }
      });
    });

    describe('token reservations', () => {
      it('reserves within the budget only, lets runs wait while others hold reservations, and settles real usage', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Go', [
          { agentId: 'sage', reason: 'all' },
          { agentId: 'scout', reason: 'all' },
        ]);
        const [first, second] = [runs[0]!, runs[1]!];
        expect(await store.reserveTokens({ roomId: room.id, runId: first.id, tokens: 600, budget: 1000 })).toBe('reserved');
        expect(await store.reserveTokens({ roomId: room.id, runId: second.id, tokens: 600, budget: 1000 })).toBe('wait');
        expect(await store.getTokenBudget(room.id)).toEqual({ used: 0, reserved: 600 });

        await store.settleTokens({ roomId: room.id, runId: first.id, usage: { inputTokens: 200, outputTokens: 100 } });
        expect(await store.getTokenBudget(room.id)).toEqual({ used: 300, reserved: 0 });
        expect(await store.getTokenUsage(room.id)).toEqual({ inputTokens: 200, outputTokens: 100 });
        expect(await store.reserveTokens({ roomId: room.id, runId: second.id, tokens: 600, budget: 1000 })).toBe('reserved');
        expect(await store.reserveTokens({ roomId: room.id, runId: second.id, tokens: 200, budget: 1000 })).toBe('wait');
        await store.settleTokens({ roomId: room.id, runId: second.id, usage: { inputTokens: 500, outputTokens: 150 } });
        expect(await store.getTokenBudget(room.id)).toEqual({ used: 950, reserved: 0 });
        expect(await store.reserveTokens({ roomId: room.id, runId: second.id, tokens: 100, budget: 1000 })).toBe('exhausted');
      });

      it('never lets concurrent reservations together exceed the budget', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Everyone at once', Array.from({ length: 20 }, () => ({ agentId: 'sage', reason: 'all' as const })));
        const outcomes = await Promise.all(runs.map((run) => store.reserveTokens({ roomId: room.id, runId: run.id, tokens: 300, budget: 1000 })));
        expect(outcomes.filter((outcome) => outcome === 'reserved')).toHaveLength(3);
        expect(await store.getTokenBudget(room.id)).toEqual({ used: 0, reserved: 900 });
      });

      it('charges a crashed run its whole reservation', async () => {
        const room = await freshRoom();
        await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }]);
        const [run] = await store.claimRuns({ owner: 'crashed', leaseMs: 1, roomId: room.id });
        expect(await store.reserveTokens({ roomId: room.id, runId: run!.id, tokens: 400, budget: 1000 })).toBe('reserved');
        await new Promise((resolve) => setTimeout(resolve, 20));
        await store.recoverExpiredRuns();
        expect(await store.getTokenBudget(room.id)).toEqual({ used: 400, reserved: 0 });
      });

      it('gives the budget notice to one caller per room and day', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimBudgetNotice(room.id)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await store.claimBudgetNotice(other.id)).toBe(true);
        expect(await store.claimBudgetNotice(room.id, '2020-01-01')).toBe(true);
      });
    });

    describe('stopping', () => {
      it('cancels only the queued replies to one participant\'s messages when asked', async () => {
        const room = await freshRoom();
        const grace: Author = { kind: 'human', id: 'guest-grace', name: 'Grace' };
        const mine = await post(room.id, 'Mine', [{ agentId: 'sage', reason: 'default' }]);
        const theirs = await store.postHumanMessage({ id: randomUUID(), roomId: room.id, author: grace, content: 'Theirs', runs: [{ agentId: 'sage', reason: 'default' }] });
        const cancelled = await store.cancelQueuedRuns({ roomId: room.id, repliesTo: grace.id });
        expect(cancelled.map((run) => run.id)).toEqual([theirs.runs[0]!.id]);
        expect((await store.listRuns(mine.message.id)).map((run) => run.status)).toEqual(['queued']);
      });

      it('keeps who stopped a reply', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Stop me');
        const reply = await store.startAgentMessage({ id: randomUUID(), roomId: room.id, author: sage, replyTo: message.id, reason: 'default', model: 'sage' });
        const final = await store.finishAgentMessage(reply.id, { content: 'Partial', parts: [], seq: 1, status: 'cancelled', stoppedBy: { id: ada.id, name: 'Ada' } });
        expect(final.stoppedBy).toEqual({ id: ada.id, name: 'Ada' });
        expect((await store.getMessage(reply.id))?.stoppedBy).toEqual({ id: ada.id, name: 'Ada' });
      });

      it('stores text with half an emoji as valid text instead of failing', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Emoji');
        const reply = await store.startAgentMessage({ id: randomUUID(), roomId: room.id, author: sage, replyTo: message.id, reason: 'default', model: 'sage' });
        const broken = `ok \uD83D`;
        await store.checkpointAgentMessage(reply.id, { content: broken, parts: [{ type: 'reasoning', text: broken }], seq: 1 });
        const final = await store.finishAgentMessage(reply.id, { content: broken, parts: [{ type: 'reasoning', text: broken }], seq: 1, status: 'complete' });
        expect(final).toMatchObject({ content: 'ok \uFFFD', parts: [{ type: 'reasoning', text: 'ok \uFFFD' }] });
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
