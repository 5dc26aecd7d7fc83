/**
 * Catch-up without repair (docs/architecture.md §3, catch-up; docs/architecture.md): people who join
 * while replies are starting rebuild every reply from the REST snapshot and the deltas that follow,
 * with no gap to repair, because the server serves the live state of the replies it streams.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OfflineChatModel } from '../../server/providers/index.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

let server: TestChorusServer;
const visitors: RoomVisitor[] = [];

afterEach(async () => {
  await Promise.all(visitors.splice(0).map((visitor) => visitor.disconnect()));
  await server?.close();
});

describe('people joining while three replies start', () => {
  it('all converge on the persisted replies without a single gap', async () => {
    const model = new OfflineChatModel({ tokensPerSecond: 120, firstTokenDelayMs: 0 });
    server = await startChorusServer({ modelFor: () => model });
    await server.store.rooms.ensureRoom({ id: 'late', title: 'Late', settings: { policy: 'all' } });
    const ada = await RoomVisitor.join(server.url, 'late', 'Ada');
    visitors.push(ada);

    for (let round = 0; round < 3; round += 1) {
      const question = await ada.post(`Round ${round}: what do you all think about late joiners?`);
      // Join while the replies are being inserted and start streaming: every few milliseconds.
      const joining = Array.from({ length: 8 }, (_, index) =>
        new Promise((resolve) => setTimeout(resolve, index * 15)).then(() =>
          RoomVisitor.join(server.url, 'late', `Late ${round}-${index}`),
        ),
      );
      const late = await Promise.all(joining);
      visitors.push(...late);
      const replyIds = async () =>
        (await ada.fetchMessages())
          .filter((message) => message.replyTo === question.id)
          .map((message) => message.id);
      await waitFor(async () => (await replyIds()).length === 3, {
        timeoutMs: 20_000,
        what: 'three replies started',
      });
      await waitFor(
        async () => (await ada.fetchMessages()).every((message) => message.status !== 'streaming'),
        { timeoutMs: 20_000, what: 'three replies ended' },
      );
      const persisted = (await ada.fetchMessages()).filter(
        (message) => message.replyTo === question.id,
      );
      await waitFor(
        () =>
          late.every((visitor) =>
            persisted.every((reply) => visitor.transcript.get(reply.id)?.status === 'complete'),
          ),
        {
          timeoutMs: 20_000,
          what: 'every late joiner holding the finished replies',
        },
      );
      for (const visitor of late) {
        expect(visitor.gaps).toEqual([]);
        for (const reply of persisted) expect(visitor.transcript.get(reply.id)).toEqual(reply);
      }
    }
  });
});
