/**
 * The contract of `Transcript` (server/store/transcript.ts) and of a human post, which inserts the
 * message and its runs in one unit of work (server/store/store.ts `postHumanMessage`).
 * Run on PGlite in memory and on a real Postgres server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { Sql } from '../../server/store/sql.ts';
import { postHumanMessage } from '../../server/store/store.ts';
import { MessageConflictError, MessageStreamingError } from '../../server/store/transcript.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { roomFixtures, ada, sage } from './store-contract-fixtures.ts';

export function describeTranscriptContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`Transcript contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());
    const { freshRoom, post } = roomFixtures(() => store);

    describe('human messages', () => {
      it('inserts the message and its runs together, and wakes listeners', async () => {
        const room = await freshRoom();
        const woken: string[] = [];
        const stop = await store.runs.onRunsQueued((roomId, reason) =>
          woken.push(`${reason} ${roomId}`),
        );
        try {
          const replyId = randomUUID();
          const { message, created, runs } = await post(room.id, 'Hello @sage and @critic', [
            { agentId: 'sage', reason: 'mention' },
            { agentId: 'critic', reason: 'mention', messageId: replyId },
          ]);
          expect(created).toBe(true);
          expect(message).toMatchObject({
            roomId: room.id,
            author: ada,
            content: 'Hello @sage and @critic',
            status: 'complete',
            seq: 0,
            parts: [],
          });
          expect(runs).toEqual([
            expect.objectContaining({
              agentId: 'sage',
              reason: 'mention',
              status: 'queued',
              triggerMessageId: message.id,
              depth: 0,
            }),
            expect.objectContaining({ agentId: 'critic', messageId: replyId, status: 'queued' }),
          ]);
          expect(await store.runs.listRuns(message.id)).toHaveLength(2);
          await waitFor(() => woken.includes(`queued ${room.id}`), { what: 'the NOTIFY' });
        } finally {
          await stop();
        }
      });

      it('keeps neither the message nor its runs when queueing the runs fails (one unit of work)', async () => {
        const room = await freshRoom();
        const id = randomUUID();
        const failingQueue = {
          enqueueRuns: async (...args: Parameters<PostgresStores['runs']['enqueueRuns']>) => {
            await store.runs.enqueueRuns(...args);
            throw new Error('the queue failed after its insert');
          },
          listRuns: store.runs.listRuns.bind(store.runs),
        };
        const posting = postHumanMessage(
          { transaction: store.transaction, transcript: store.transcript, runs: failingQueue },
          {
            id,
            roomId: room.id,
            author: ada,
            content: 'All or nothing',
            runs: [{ agentId: 'sage', reason: 'default' }],
          },
        );
        await expect(posting).rejects.toThrow('the queue failed after its insert');
        expect(await store.transcript.getMessage(id)).toBeNull();
        expect(await store.runs.listRuns(id)).toEqual([]);
        const retried = await post(
          room.id,
          'All or nothing',
          [{ agentId: 'sage', reason: 'default' }],
          id,
        );
        expect(retried.created).toBe(true);
        expect(retried.runs).toHaveLength(1);
      });

      it('returns the stored message for a retried post, and refuses the same id with other content', async () => {
        const room = await freshRoom();
        const id = randomUUID();
        const first = await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }], id);
        const retry = await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }], id);
        expect(retry.created).toBe(false);
        expect(retry.message).toEqual(first.message);
        expect(retry.runs.map((run) => run.id)).toEqual(first.runs.map((run) => run.id));
        await expect(post(room.id, 'Something else', [], id)).rejects.toBeInstanceOf(
          MessageConflictError,
        );
        const page = await store.transcript.listMessages(room.id);
        expect(page.messages.map((message) => message.content)).toEqual(['Hi']);
      });

      it('pages a transcript newest page first, each page oldest first, in-flight replies included', async () => {
        const room = await freshRoom();
        for (let index = 1; index <= 119; index += 1) await post(room.id, `message ${index}`);
        const reply = await store.transcript.startAgentMessage({
          id: randomUUID(),
          roomId: room.id,
          author: sage,
          replyTo: null,
          reason: 'default',
          model: 'sage',
        });
        await store.transcript.checkpointAgentMessage(reply.id, {
          content: 'Half an ans',
          parts: [],
          seq: 4,
        });

        const first = await store.transcript.listMessages(room.id, { limit: 50 });
        expect(first.messages).toHaveLength(50);
        expect(first.messages.at(-1)).toMatchObject({
          id: reply.id,
          status: 'streaming',
          content: 'Half an ans',
          seq: 4,
        });
        expect(first.messages[0]!.content).toBe('message 71');
        const second = await store.transcript.listMessages(room.id, {
          limit: 50,
          before: first.nextCursor,
        });
        const third = await store.transcript.listMessages(room.id, {
          limit: 50,
          before: second.nextCursor,
        });
        expect(second.messages.map((message) => message.content)).toEqual(
          Array.from({ length: 50 }, (_, index) => `message ${index + 21}`),
        );
        expect(third.messages.map((message) => message.content)).toEqual(
          Array.from({ length: 20 }, (_, index) => `message ${index + 1}`),
        );
        expect(third.nextCursor).toBeNull();
        expect(await store.transcript.recentMessages(room.id, 2)).toEqual(first.messages.slice(-2));
        await expect(
          store.transcript.listMessages(room.id, { before: 'not-a-cursor' }),
        ).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
        expect(await store.transcript.getMessage('not-a-uuid')).toBeNull();
      });

      it('searches one room only', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        await post(room.id, 'Our pricing page needs a rewrite');
        await post(room.id, 'Lunch at noon?');
        await post(other.id, 'Pricing is secret in this other room');
        const found = await store.transcript.searchMessages(room.id, 'pricing');
        expect(found.map((message) => message.content)).toEqual([
          'Our pricing page needs a rewrite',
        ]);
        expect(await store.transcript.searchMessages(room.id, 'nothing-like-this')).toEqual([]);
      });
    });

    describe('agent replies', () => {
      it('starts streaming, checkpoints, and finalises once', async () => {
        const room = await freshRoom();
        const { message: question } = await post(room.id, 'Why is the sky blue?');
        const id = randomUUID();
        const started = await store.transcript.startAgentMessage({
          id,
          roomId: room.id,
          author: sage,
          replyTo: question.id,
          reason: 'default',
          model: 'sage',
        });
        expect(started).toMatchObject({
          id,
          status: 'streaming',
          content: '',
          seq: 0,
          replyTo: question.id,
          reason: 'default',
          model: 'sage',
        });
        await store.transcript.checkpointAgentMessage(id, {
          content: 'Rayleigh',
          parts: [],
          seq: 2,
        });
        expect(await store.transcript.getMessage(id)).toMatchObject({
          content: 'Rayleigh',
          seq: 2,
          status: 'streaming',
        });
        const parts = [{ type: 'reasoning' as const, text: 'Physics.' }];
        const final = await store.transcript.finishAgentMessage(id, {
          content: 'Rayleigh scattering.',
          parts,
          seq: 5,
          status: 'complete',
          usage: { inputTokens: 12, outputTokens: 5 },
        });
        expect(final).toMatchObject({
          content: 'Rayleigh scattering.',
          parts,
          seq: 5,
          status: 'complete',
          usage: { inputTokens: 12, outputTokens: 5 },
        });
        await store.transcript.checkpointAgentMessage(id, {
          content: 'late checkpoint',
          parts: [],
          seq: 9,
        });
        expect((await store.transcript.getMessage(id))!.content).toBe('Rayleigh scattering.');
      });

      it('finds a reply by its words once it is finished, not while it streams', async () => {
        const room = await freshRoom();
        const { message: question } = await post(room.id, 'What scatters light?');
        const { id } = await store.transcript.startAgentMessage({
          id: randomUUID(),
          roomId: room.id,
          author: sage,
          replyTo: question.id,
          reason: 'default',
          model: 'sage',
        });
        await store.transcript.checkpointAgentMessage(id, {
          content: 'Rayleigh scattering',
          parts: [],
          seq: 1,
        });
        expect(await store.transcript.searchMessages(room.id, 'rayleigh')).toEqual([]);
        await store.transcript.finishAgentMessage(id, {
          content: 'Rayleigh scattering, mostly.',
          parts: [],
          seq: 2,
          status: 'interrupted',
        });
        const found = await store.transcript.searchMessages(room.id, 'rayleigh');
        expect(found.map((message) => [message.id, message.content])).toEqual([
          [id, 'Rayleigh scattering, mostly.'],
        ]);
      });

      it('checkpoints several streaming replies in one call, leaving a finished one as it is', async () => {
        const room = await freshRoom();
        const { message: question } = await post(room.id, 'Thoughts, everyone?');
        const start = (author: typeof sage) =>
          store.transcript.startAgentMessage({
            id: randomUUID(),
            roomId: room.id,
            author,
            replyTo: question.id,
            reason: 'all',
            model: author.id,
          });
        const [first, second, done] = await Promise.all([
          start(sage),
          start({ ...sage, id: 'scout', name: 'Scout' }),
          start({ ...sage, id: 'critic', name: 'Critic' }),
        ]);
        await store.transcript.finishAgentMessage(done.id, {
          content: 'Done.',
          parts: [],
          seq: 1,
          status: 'complete',
        });
        const parts = [{ type: 'reasoning' as const, text: 'Hm.' }];
        await store.transcript.checkpointAgentMessages([
          { id: first.id, snapshot: { content: 'One – “quoted”', parts, seq: 3 } },
          { id: second.id, snapshot: { content: 'Two 🎉', parts: [], seq: 4 } },
          { id: done.id, snapshot: { content: 'late', parts: [], seq: 9 } },
        ]);
        expect(await store.transcript.getMessage(first.id)).toMatchObject({
          content: 'One – “quoted”',
          parts,
          seq: 3,
          status: 'streaming',
        });
        expect(await store.transcript.getMessage(second.id)).toMatchObject({
          content: 'Two 🎉',
          seq: 4,
        });
        expect(await store.transcript.getMessage(done.id)).toMatchObject({
          content: 'Done.',
          seq: 1,
          status: 'complete',
        });
        await store.transcript.checkpointAgentMessages([]); // nothing to write
      });

      it('keeps a system notice in the transcript', async () => {
        const room = await freshRoom();
        const notice = await store.transcript.insertSystemMessage({
          roomId: room.id,
          content: 'The agents reached their turn limit.',
        });
        expect(notice).toMatchObject({ author: { kind: 'system' }, status: 'complete' });
        expect((await store.transcript.listMessages(room.id)).messages).toEqual([notice]);
      });

      it('removes a message in place (moderation), never one still streaming nor of another room', async () => {
        const room = await freshRoom();
        const other = await freshRoom();
        const { message } = await post(room.id, 'something rude');
        expect(await store.transcript.deleteMessage(other.id, message.id)).toBeNull();
        const deleted = await store.transcript.deleteMessage(room.id, message.id);
        expect(deleted).toMatchObject({
          id: message.id,
          position: message.position,
          status: 'deleted',
          content: '',
          parts: [],
        });
        expect(await store.transcript.searchMessages(room.id, 'rude')).toEqual([]);
        const reply = await store.transcript.startAgentMessage({
          id: randomUUID(),
          roomId: room.id,
          author: sage,
          replyTo: message.id,
          reason: 'default',
          model: 'sage',
        });
        await expect(store.transcript.deleteMessage(room.id, reply.id)).rejects.toBeInstanceOf(
          MessageStreamingError,
        );
      });

      it('makes a regenerated reply a version of the agent’s first reply, in history too', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Version me');
        const start = (reason: 'default' | 'regenerate', author = sage) =>
          store.transcript.startAgentMessage({
            id: randomUUID(),
            roomId: room.id,
            author,
            replyTo: message.id,
            reason,
            model: 'sage',
          });
        const first = await start('default');
        const other = await start('default', { kind: 'agent', id: 'scout', name: 'Scout' });
        const second = await start('regenerate');
        const third = await start('regenerate');
        expect(first.versionOf).toBeUndefined();
        expect(other.versionOf).toBeUndefined();
        expect(second.versionOf).toBe(first.id);
        expect(third.versionOf).toBe(first.id); // the group's first version, not the one before
        const { messages } = await store.transcript.listMessages(room.id);
        expect(messages.map((entry) => [entry.id, entry.versionOf])).toEqual([
          [message.id, undefined],
          [first.id, undefined],
          [other.id, undefined],
          [second.id, first.id],
          [third.id, first.id],
        ]);
      });

      it('starts and ends several replies in one call each, in the order given', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'All of you');
        const first = await store.transcript.startAgentMessage({
          id: randomUUID(),
          roomId: room.id,
          author: sage,
          replyTo: message.id,
          reason: 'all',
          model: 'sage',
        });
        const scout = { kind: 'agent', id: 'scout', name: 'Scout' } as const;
        const inputs = [
          { id: randomUUID(), author: scout, reason: 'all', model: 'scout' },
          { id: randomUUID(), author: sage, reason: 'regenerate', model: 'sage' },
        ] as const;
        const started = await store.transcript.startAgentMessages(
          inputs.map((input) => ({ ...input, roomId: room.id, replyTo: message.id })),
        );
        expect(started).toEqual([
          expect.objectContaining({
            id: inputs[0].id,
            author: scout,
            status: 'streaming',
            content: '',
          }),
          expect.objectContaining({ id: inputs[1].id, author: sage, versionOf: first.id }),
        ]);
        expect(started[0]!.versionOf).toBeUndefined();
        const { messages } = await store.transcript.listMessages(room.id);
        expect(messages.map((entry) => entry.id)).toEqual([
          message.id,
          first.id,
          ...started.map((reply) => reply.id),
        ]);
        expect(await store.transcript.startAgentMessages([])).toEqual([]);

        // Ended together in one call; one of them was finalised elsewhere first and stays so.
        await store.transcript.finishAgentMessage(first.id, {
          content: 'Recovered',
          parts: [],
          seq: 1,
          status: 'interrupted',
        });
        const ended = await store.transcript.finishAgentMessages([
          {
            id: started[1]!.id,
            final: {
              content: 'Again 😀',
              parts: [],
              seq: 2,
              status: 'complete',
              usage: { inputTokens: 3, outputTokens: 2 },
            },
          },
          { id: first.id, final: { content: 'Late', parts: [], seq: 9, status: 'complete' } },
          {
            id: started[0]!.id,
            final: {
              content: 'Stopped',
              parts: [],
              seq: 1,
              status: 'cancelled',
              stoppedBy: { id: 'guest:ada', name: 'Ada' },
            },
          },
        ]);
        expect(ended).toEqual([
          expect.objectContaining({
            id: started[1]!.id,
            content: 'Again 😀',
            status: 'complete',
            usage: { inputTokens: 3, outputTokens: 2 },
            versionOf: first.id,
          }),
          expect.objectContaining({ id: first.id, content: 'Recovered', status: 'interrupted' }),
          expect.objectContaining({
            id: started[0]!.id,
            status: 'cancelled',
            stoppedBy: { id: 'guest:ada', name: 'Ada' },
          }),
        ]);
        expect(await store.transcript.getMessage(started[1]!.id)).toEqual(ended[0]);
        expect(await store.transcript.getMessage(started[0]!.id)).toEqual(ended[2]);
      });

      it('keeps who stopped a reply', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Stop me');
        const reply = await store.transcript.startAgentMessage({
          id: randomUUID(),
          roomId: room.id,
          author: sage,
          replyTo: message.id,
          reason: 'default',
          model: 'sage',
        });
        const final = await store.transcript.finishAgentMessage(reply.id, {
          content: 'Partial',
          parts: [],
          seq: 1,
          status: 'cancelled',
          stoppedBy: { id: ada.id, name: 'Ada' },
        });
        expect(final.stoppedBy).toEqual({ id: ada.id, name: 'Ada' });
        expect((await store.transcript.getMessage(reply.id))?.stoppedBy).toEqual({
          id: ada.id,
          name: 'Ada',
        });
      });

      it('stores text with half an emoji as valid text instead of failing', async () => {
        const room = await freshRoom();
        const { message } = await post(room.id, 'Emoji');
        const reply = await store.transcript.startAgentMessage({
          id: randomUUID(),
          roomId: room.id,
          author: sage,
          replyTo: message.id,
          reason: 'default',
          model: 'sage',
        });
        const broken = `ok \uD83D`;
        await store.transcript.checkpointAgentMessage(reply.id, {
          content: broken,
          parts: [{ type: 'reasoning', text: broken }],
          seq: 1,
        });
        const final = await store.transcript.finishAgentMessage(reply.id, {
          content: broken,
          parts: [{ type: 'reasoning', text: broken }],
          seq: 1,
          status: 'complete',
        });
        expect(final).toMatchObject({
          content: 'ok \uFFFD',
          parts: [{ type: 'reasoning', text: 'ok \uFFFD' }],
        });
      });
    });
  });
}
