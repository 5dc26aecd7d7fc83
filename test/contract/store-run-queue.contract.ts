/**
 * The contract of `RunQueue` (server/store/run-queue.ts): leased claims, fairness, stops and crash recovery.
 * Run on PGlite in memory and on a real Postgres server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Author } from '../../protocol/room.ts';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import { MAX_RUN_ATTEMPTS } from '../../server/store/run-queue.ts';
import type { Sql } from '../../server/store/sql.ts';
import { postHumanMessage } from '../../server/store/store.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { roomFixtures, ada, sage } from './store-contract-fixtures.ts';

export function describeRunQueueContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`RunQueue contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());
    const { freshRoom, post } = roomFixtures(() => store);

    describe('runs', () => {
      it('claims queued runs oldest first, for one owner at a time, and finishes them', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Everyone?', [
          { agentId: 'sage', reason: 'all' },
          { agentId: 'scout', reason: 'all' },
        ]);
        const claimed = await store.runs.claimRuns({
          owner: 'worker-a',
          leaseMs: 30_000,
          roomId: room.id,
        });
        expect(claimed.map((run) => run.id).sort()).toEqual(runs.map((run) => run.id).sort());
        for (const run of claimed)
          expect(run).toMatchObject({ status: 'running', attempt: 1, leaseOwner: 'worker-a' });
        expect(
          await store.runs.claimRuns({ owner: 'worker-b', leaseMs: 30_000, roomId: room.id }),
        ).toEqual([]);
        expect(await store.runs.renewLease(claimed[0]!.id, 'worker-b', 30_000)).toBe(false);
        expect(await store.runs.renewLease(claimed[0]!.id, 'worker-a', 30_000)).toBe(true);
        expect(await store.runs.finishRun(claimed[0]!.id, 'worker-b', 'done')).toBe(false);
        expect(await store.runs.finishRun(claimed[0]!.id, 'worker-a', 'done')).toBe(true);
        expect(await store.runs.finishRun(claimed[0]!.id, 'worker-a', 'done')).toBe(false);
      });

      it("settles a run's reservation with its usage when it finishes, for its owner only, and wakes rooms waiting for budget", async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Go', [{ agentId: 'sage', reason: 'default' }]);
        const [run] = await store.runs.claimRuns({
          owner: 'worker-a',
          leaseMs: 30_000,
          roomId: room.id,
        });
        expect(run!.id).toBe(runs[0]!.id);
        expect(
          await store.budget.reserveTokens({
            roomId: room.id,
            runId: run!.id,
            tokens: 600,
            budget: 1000,
          }),
        ).toBe('reserved');
        const woken: string[] = [];
        const unlisten = await store.runs.onRunsQueued((roomId, reason) =>
          woken.push(`${reason} ${roomId}`),
        );
        try {
          const usage = { inputTokens: 200, outputTokens: 100 };
          expect(await store.runs.finishRun(run!.id, 'worker-b', 'done', null, usage)).toBe(false);
          expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 0, reserved: 600 });

          expect(await store.runs.finishRun(run!.id, 'worker-a', 'done', null, usage)).toBe(true);
          expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 300, reserved: 0 });
          expect(await store.runs.listRuns(runs[0]!.triggerMessageId)).toEqual([
            expect.objectContaining({ id: run!.id, status: 'done', leaseExpiresAt: null }),
          ]);
          await waitFor(() => woken.includes(`budget ${room.id}`), { what: 'the budget wake-up' });

          expect(await store.runs.finishRun(run!.id, 'worker-a', 'done', null, usage)).toBe(false);
          expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 300, reserved: 0 });
        } finally {
          await unlisten();
        }
      });

      it("ends several runs in one call: each room's usage summed onto its row, a room without a row yet given one, only the owner's", async () => {
        const [shared, fresh] = [await freshRoom(), await freshRoom()];
        const agents = [
          { agentId: 'sage', reason: 'all' as const },
          { agentId: 'scout', reason: 'all' as const },
        ];
        await post(shared.id, 'Both', agents);
        await post(fresh.id, 'One', [agents[0]!]);
        const [a, b] = await store.runs.claimRuns({
          owner: 'worker-a',
          leaseMs: 30_000,
          roomId: shared.id,
        });
        const [c] = await store.runs.claimRuns({
          owner: 'worker-a',
          leaseMs: 30_000,
          roomId: fresh.id,
        });
        for (const run of [a!, b!])
          await store.budget.reserveTokens({
            roomId: shared.id,
            runId: run.id,
            tokens: 400,
            budget: 1000,
          });
        expect(await store.budget.getTokenBudget(shared.id)).toEqual({ used: 0, reserved: 800 });

        const ended = await store.runs.finishRuns('worker-a', [
          { runId: a!.id, status: 'done', usage: { inputTokens: 100, outputTokens: 50 } },
          {
            runId: c!.id,
            status: 'failed',
            error: 'it broke',
            usage: { inputTokens: 7, outputTokens: 0 },
          },
          { runId: b!.id, status: 'cancelled', usage: { inputTokens: 20, outputTokens: 5 } },
        ]);
        expect(ended).toEqual([true, true, true]);
        expect(await store.budget.getTokenBudget(shared.id)).toEqual({ used: 175, reserved: 0 });
        expect(await store.budget.getTokenBudget(fresh.id)).toEqual({ used: 7, reserved: 0 });
        expect(
          (await store.runs.listRuns(c!.triggerMessageId)).map((run) => [
            run.status,
            run.lastError,
          ]),
        ).toEqual([['failed', 'it broke']]);

        // Ended already, or not this owner's: nothing changes.
        expect(
          await store.runs.finishRuns('worker-b', [
            { runId: a!.id, status: 'done', usage: { inputTokens: 1, outputTokens: 1 } },
          ]),
        ).toEqual([false]);
        expect(await store.budget.getTokenBudget(shared.id)).toEqual({ used: 175, reserved: 0 });
        expect(await store.runs.finishRuns('worker-a', [])).toEqual([]);
      });

      it('renews several leases in one call, only those the owner still holds and runs', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'All of you?', [
          { agentId: 'sage', reason: 'all' },
          { agentId: 'scout', reason: 'all' },
          { agentId: 'critic', reason: 'all' },
        ]);
        const claimed = await store.runs.claimRuns({
          owner: 'worker-a',
          leaseMs: 30_000,
          roomId: room.id,
        });
        expect(claimed).toHaveLength(3);
        const [first, second, third] = claimed.map((run) => run.id) as [string, string, string];
        await store.runs.finishRun(third, 'worker-a', 'done');
        const ids = runs.map((run) => run.id);
        expect((await store.runs.renewLeases(ids, 'worker-a', 60_000)).sort()).toEqual(
          [first, second].sort(),
        );
        expect(await store.runs.renewLeases(ids, 'worker-b', 60_000)).toEqual([]);
        expect(await store.runs.renewLeases([], 'worker-a', 60_000)).toEqual([]);
      });

      it('queues handoff runs and cancels queued runs by agent', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Hi');
        const queued = await store.runs.enqueueRuns({
          roomId: room.id,
          triggerMessageId: message.id,
          runs: [
            { agentId: 'critic', reason: 'handoff', depth: 1 },
            { agentId: 'scout', reason: 'handoff', depth: 1 },
          ],
        });
        const cancelled = await store.runs.cancelQueuedRuns({ roomId: room.id, agentId: 'critic' });
        expect(cancelled.map((run) => run.id)).toEqual([queued[0]!.id]);
        const claimed = await store.runs.claimRuns({
          owner: 'worker',
          leaseMs: 1000,
          roomId: room.id,
        });
        expect(claimed.map((run) => [run.agentId, run.depth])).toEqual([['scout', 1]]);
      });

      it('recovers a run whose lease expired: its message ends interrupted with the checkpoint kept, and the audit log says so', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Tell me a story', [
          { agentId: 'sage', reason: 'default' },
        ]);
        const [run] = await store.runs.claimRuns({
          owner: 'crashed-worker',
          leaseMs: 1,
          roomId: room.id,
        });
        await store.transcript.startAgentMessage({
          id: run!.messageId,
          roomId: room.id,
          author: sage,
          replyTo: run!.triggerMessageId,
          reason: 'default',
          model: 'sage',
        });
        await store.transcript.checkpointAgentMessage(run!.messageId, {
          content: 'Once upon a',
          parts: [],
          seq: 3,
        });
        await new Promise((resolve) => setTimeout(resolve, 20)); // the 1 ms lease is past

        const recovered = (await store.runs.recoverExpiredRuns()).filter(
          (entry) => entry.run.roomId === room.id,
        );
        expect(recovered).toHaveLength(1);
        expect(recovered[0]!.run).toMatchObject({
          id: runs[0]!.id,
          status: 'failed',
          lastError: 'lease expired',
        });
        expect(recovered[0]!.message).toMatchObject({
          id: run!.messageId,
          status: 'interrupted',
          content: 'Once upon a',
          seq: 3,
        });
        expect(await store.transcript.getMessage(run!.messageId)).toMatchObject({
          status: 'interrupted',
          content: 'Once upon a',
        });
        const events = await store.audit.listEvents(room.id);
        expect(events).toEqual([
          expect.objectContaining({
            kind: 'run.recovered',
            actor: 'sage',
            data: expect.objectContaining({ runId: run!.id, leaseOwner: 'crashed-worker', seq: 3 }),
          }),
        ]);
        expect(
          (await store.runs.recoverExpiredRuns()).filter((entry) => entry.run.roomId === room.id),
        ).toEqual([]);
        expect(await store.runs.finishRun(run!.id, 'crashed-worker', 'done')).toBe(false);
      });
    });

    describe('fair claiming', () => {
      it('gives every room a turn before any room a second one, and never more than maxPerRoom running in a room', async () => {
        const own = createPostgresStores(await openSql()); // its own database: claims here see only these rooms
        try {
          const rooms = ['flooded', 'quiet', 'other'];
          for (const id of rooms) await own.rooms.ensureRoom({ id, title: id });
          const runsOf = (count: number) =>
            Array.from({ length: count }, () => ({ agentId: 'sage', reason: 'all' as const }));
          for (let index = 0; index < 8; index += 1)
            await postHumanMessage(own, {
              id: randomUUID(),
              roomId: 'flooded',
              author: ada,
              content: `flood ${index}`,
              runs: runsOf(3),
            });
          await postHumanMessage(own, {
            id: randomUUID(),
            roomId: 'quiet',
            author: ada,
            content: 'hello',
            runs: runsOf(1),
          });
          await postHumanMessage(own, {
            id: randomUUID(),
            roomId: 'other',
            author: ada,
            content: 'hi',
            runs: runsOf(2),
          });

          const first = await own.runs.claimRuns({
            owner: 'a',
            leaseMs: 30_000,
            limit: 3,
            maxPerRoom: 4,
          });
          expect(first.map((run) => run.roomId).sort()).toEqual(['flooded', 'other', 'quiet']);
          const second = await own.runs.claimRuns({
            owner: 'b',
            leaseMs: 30_000,
            limit: 50,
            maxPerRoom: 4,
          });
          const count = (runs: typeof first, roomId: string) =>
            runs.filter((run) => run.roomId === roomId).length;
          const all = [...first, ...second];
          expect([count(all, 'flooded'), count(all, 'quiet'), count(all, 'other')]).toEqual([
            4, 1, 2,
          ]);
          expect(
            await own.runs.claimRuns({ owner: 'c', leaseMs: 30_000, limit: 50, maxPerRoom: 4 }),
          ).toEqual([]);

          expect(
            await own.runs.finishRun(
              all.find((run) => run.roomId === 'flooded')!.id,
              all.find((run) => run.roomId === 'flooded')!.leaseOwner!,
              'done',
            ),
          ).toBe(true);
          const next = await own.runs.claimRuns({
            owner: 'c',
            leaseMs: 30_000,
            limit: 50,
            maxPerRoom: 4,
          });
          expect(next.map((run) => run.roomId)).toEqual(['flooded']);
          expect(next[0]!.triggerAuthorId).toBe(ada.id);
          expect(
            await own.runs.claimRuns({
              owner: 'd',
              leaseMs: 30_000,
              limit: 50,
              skipRooms: ['flooded'],
            }),
          ).toEqual([]);
        } finally {
          await own.close();
        }
      });

      it('puts a claimed run back in the queue for its owner only', async () => {
        const room = await freshRoom();
        await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }]);
        const [run] = await store.runs.claimRuns({
          owner: 'worker',
          leaseMs: 30_000,
          roomId: room.id,
        });
        expect(await store.runs.requeueRun(run!.id, 'someone-else')).toBe(false);
        expect(await store.runs.requeueRun(run!.id, 'worker')).toBe(true);
        const [again] = await store.runs.claimRuns({
          owner: 'worker-2',
          leaseMs: 30_000,
          roomId: room.id,
        });
        expect(again).toMatchObject({ id: run!.id, attempt: 1, leaseOwner: 'worker-2' });
      });
    });

    describe('crash recovery of runs that never started', () => {
      it('queues a run again when its process died before the reply began, and after the last attempt writes it interrupted', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Anyone?', [
          { agentId: 'sage', reason: 'default' },
        ]);
        const woken: string[] = [];
        const unlisten = await store.runs.onRunsQueued((roomId, reason) =>
          woken.push(`${reason} ${roomId}`),
        );
        try {
          for (let attempt = 1; attempt <= MAX_RUN_ATTEMPTS; attempt += 1) {
            const [run] = await store.runs.claimRuns({
              owner: `crashed-${attempt}`,
              leaseMs: 1,
              roomId: room.id,
            });
            expect(run).toMatchObject({ attempt });
            await new Promise((resolve) => setTimeout(resolve, 20));
            const [recovered] = (
              await store.runs.recoverExpiredRuns({ agentName: () => 'Sage' })
            ).filter((entry) => entry.run.roomId === room.id);
            if (attempt < MAX_RUN_ATTEMPTS) {
              expect(recovered).toMatchObject({
                requeued: true,
                message: null,
                run: { status: 'queued' },
              });
              await waitFor(() => woken.includes(`queued ${room.id}`), {
                what: 'a wake-up for the queued run',
              });
            } else {
              expect(recovered).toMatchObject({ requeued: false, run: { status: 'failed' } });
              expect(recovered!.message).toMatchObject({
                id: run!.messageId,
                status: 'interrupted',
                replyTo: message.id,
                author: { kind: 'agent', id: 'sage', name: 'Sage' },
              });
            }
          }
          const transcript = (await store.transcript.listMessages(room.id)).messages;
          expect(transcript.map((entry) => [entry.author.kind, entry.status])).toEqual([
            ['human', 'complete'],
            ['agent', 'interrupted'],
          ]);
        } finally {
          await unlisten();
        }
      });
    });

    describe('stopping', () => {
      it("cancels only the queued replies to one participant's messages when asked", async () => {
        const room = await freshRoom();
        const grace: Author = { kind: 'human', id: 'guest-grace', name: 'Grace' };
        const mine = await post(room.id, 'Mine', [{ agentId: 'sage', reason: 'default' }]);
        const theirs = await postHumanMessage(store, {
          id: randomUUID(),
          roomId: room.id,
          author: grace,
          content: 'Theirs',
          runs: [{ agentId: 'sage', reason: 'default' }],
        });
        const cancelled = await store.runs.cancelQueuedRuns({
          roomId: room.id,
          repliesTo: grace.id,
        });
        expect(cancelled.map((run) => run.id)).toEqual([theirs.runs[0]!.id]);
        expect((await store.runs.listRuns(mine.message.id)).map((run) => run.status)).toEqual([
          'queued',
        ]);
      });
    });
  });
}
