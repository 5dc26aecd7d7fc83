/**
 * The contract of `Summaries` (server/store/summaries.ts): session summaries, written once, per room.
 * Run on PGlite in memory and on a real Postgres server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { Sql } from '../../server/store/sql.ts';
import { roomFixtures } from './store-contract-fixtures.ts';

export function describeSummariesContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`Summaries contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());
    const { freshRoom, post } = roomFixtures(() => store);

    describe('session summaries', () => {
      it('writes a session from its messages, reads the latest per room, and starts the next session after it', async () => {
        const room = await freshRoom();
        expect(await store.summaries.latestSession(room.id)).toBeNull();
        const first = await post(room.id, 'Let us ship on Friday.');
        const second = await post(room.id, 'Agreed.');
        const unsummarized = await store.summaries.unsummarizedMessages(room.id, 200);
        expect(unsummarized.map((message) => message.id)).toEqual([
          first.message.id,
          second.message.id,
        ]);

        const session = await store.summaries.addSession({
          roomId: room.id,
          messageIds: unsummarized.map((message) => message.id),
          summary: 'Decisions:\n- Ada: ship on Friday',
        });
        expect(session).toMatchObject({
          roomId: room.id,
          startedAt: first.message.createdAt,
          endedAt: second.message.createdAt,
          messageCount: 2,
          summary: 'Decisions:\n- Ada: ship on Friday',
        });
        expect(session!.durationMs).toBe(
          Date.parse(second.message.createdAt) - Date.parse(first.message.createdAt),
        );
        expect(await store.summaries.latestSession(room.id)).toEqual(session);
        expect(await store.summaries.unsummarizedMessages(room.id, 200)).toEqual([]);

        const third = await post(room.id, 'One more thing?');
        const fourth = await post(room.id, 'And another.');
        expect(
          (await store.summaries.unsummarizedMessages(room.id, 200)).map((message) => message.id),
        ).toEqual([third.message.id, fourth.message.id]);
        expect(
          (await store.summaries.unsummarizedMessages(room.id, 1)).map((message) => message.id),
        ).toEqual([fourth.message.id]);
        const next = await store.summaries.addSession({
          roomId: room.id,
          messageIds: [third.message.id, fourth.message.id],
          summary: 'Later',
        });
        expect(next).toMatchObject({ startedAt: third.message.createdAt, summary: 'Later' });
        expect(await store.summaries.latestSession(room.id)).toEqual(next);
        expect(await store.summaries.listSessions(room.id, 10)).toEqual([next, session]);
        expect(await store.summaries.listSessions(room.id, 1)).toEqual([next]);
      });

      it('writes one session once when two writers race, whichever saw more of it', async () => {
        const room = await freshRoom();
        const ids: string[] = [];
        for (const content of ['How about Friday?', 'Friday works.', 'Late addition.'])
          ids.push((await post(room.id, content)).message.id);
        const results = await Promise.all([
          store.summaries.addSession({
            roomId: room.id,
            messageIds: ids.slice(0, 2),
            summary: 'from writer one',
          }),
          store.summaries.addSession({
            roomId: room.id,
            messageIds: ids,
            summary: 'from writer two',
          }),
          store.summaries.addSession({
            roomId: room.id,
            messageIds: ids,
            summary: 'from writer three',
          }),
        ]);
        const written = results.filter((result) => result !== null);
        expect(written).toHaveLength(1);
        expect(await store.summaries.latestSession(room.id)).toEqual(written[0]);
        expect(
          await store.summaries.addSession({ roomId: room.id, messageIds: ids, summary: 'again' }),
        ).toBeNull();
      });

      it('never reads or writes across rooms', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        const secret = await post(room.id, 'We decided the secret plan.');
        await store.summaries.addSession({
          roomId: room.id,
          messageIds: [secret.message.id],
          summary: 'the secret plan',
        });
        expect(await store.summaries.latestSession(other.id)).toBeNull();
        expect(await store.summaries.listSessions(other.id, 10)).toEqual([]);
        expect(await store.summaries.unsummarizedMessages(other.id, 200)).toEqual([]);
        // Another room's messages do not make a session of this room.
        const elsewhere = await post(other.id, 'Hello');
        expect(
          await store.summaries.addSession({
            roomId: other.id,
            messageIds: [secret.message.id, 'not-a-uuid'],
            summary: 'stolen',
          }),
        ).toBeNull();
        expect(await store.summaries.latestSession(other.id)).toBeNull();
        expect(
          (await store.summaries.unsummarizedMessages(other.id, 200)).map((message) => message.id),
        ).toEqual([elsewhere.message.id]);
      });
    });
  });
}
