/**
 * The contract of `Rooms` (server/store/rooms.ts): rooms and their settings, participants and
 * their mutes, and the conversations of support rooms (docs/architecture.md §8).
 * Run on PGlite in memory and on a real Postgres server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../server/store/not-found-error.ts';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { Sql } from '../../server/store/sql.ts';
import { roomFixtures } from './store-contract-fixtures.ts';

export function describeRoomsContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`Rooms contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());
    const { freshRoom, post } = roomFixtures(() => store);
    const visitor = (id: string) => ({ id, name: `Visitor ${id}`, role: 'guest' as const });
    const open = async (parentId: string, id: string) => {
      const { room } = await store.rooms.openConversation({
        parentId,
        visitor: visitor(id),
        title: id,
      });
      await store.rooms.upsertParticipant({
        roomId: room.id,
        id,
        kind: 'human',
        name: `Visitor ${id}`,
      });
      return room;
    };

    describe('rooms', () => {
      it('creates a room once and never overwrites it', async () => {
        const room = await freshRoom({ policy: 'all' });
        const again = await store.rooms.ensureRoom({
          id: room.id,
          title: 'Other title',
          settings: { policy: 'default' },
        });
        expect(again).toEqual(room);
        expect(await store.rooms.getRoom('no-such-room')).toBeNull();
      });

      it('merges settings and refuses an unknown room', async () => {
        const room = await freshRoom({ policy: 'all', agents: ['sage'] });
        const updated = await store.rooms.updateRoomSettings(room.id, { policy: 'relevant' });
        expect(updated.settings).toEqual({ policy: 'relevant', agents: ['sage'] });
        await expect(store.rooms.updateRoomSettings('no-such-room', {})).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });
    });

    describe('conversations', () => {
      it('opens one conversation per visitor, read with its support room settings, even when asked at once', async () => {
        const desk = await freshRoom({ kind: 'support', policy: 'all' });
        const opened = await Promise.all(
          [1, 2, 3, 4].map(() =>
            store.rooms.openConversation({
              parentId: desk.id,
              visitor: visitor('v1'),
              title: 'V1',
            }),
          ),
        );
        expect(new Set(opened.map(({ room }) => room.id)).size).toBe(1);
        expect(opened.filter(({ created }) => created)).toHaveLength(1);
        const [{ room }] = opened as [(typeof opened)[number]];
        expect(room).toMatchObject({
          parentId: desk.id,
          visitorId: 'v1',
          status: 'bot',
          settings: { kind: 'support', policy: 'all' },
        });
        expect(room.id).toMatch(/^c_[A-Za-z0-9_-]{16}$/);
        // Its visitor sees the support room's title; the inbox names it after its visitor.
        expect(room.title).toBe(desk.title);
        expect((await store.rooms.getConversation(room.id))?.title).toBe('V1');
        await store.rooms.updateRoomSettings(desk.id, { policy: 'default' });
        expect((await store.rooms.getRoom(room.id))?.settings).toMatchObject({ policy: 'default' });

        const other = await open(desk.id, 'v2');
        expect(other.id).not.toBe(room.id);
        await store.rooms.setConversationStatus(room.id, 'closed');
        const next = await store.rooms.openConversation({
          parentId: desk.id,
          visitor: visitor('v1'),
          title: 'V1',
        });
        expect(next.created).toBe(true);
        expect(next.room.id).not.toBe(room.id);
        await expect(store.rooms.setConversationStatus(desk.id, 'human')).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });

      it('lists waiting conversations first, then newest activity, with unread counts and pages', async () => {
        const desk = await freshRoom({ kind: 'support' });
        const first = await open(desk.id, 'a');
        const second = await open(desk.id, 'b');
        const third = await open(desk.id, 'c');
        await post(first.id, 'hello from a');
        await store.rooms.touchConversation(first.id);
        await store.rooms.setConversationStatus(third.id, 'waiting');

        const page = await store.rooms.listConversations(desk.id, { limit: 10 });
        expect(page.conversations.map((entry) => entry.id)).toEqual([
          third.id,
          first.id,
          second.id,
        ]);
        expect(page.conversations[0]).toMatchObject({
          status: 'waiting',
          waiting: true,
          unread: 0,
        });
        expect(page.conversations[1]).toMatchObject({
          parent: desk.id,
          visitor: { id: 'a', name: 'Visitor a' },
          unread: 1,
          lastMessage: { content: 'hello from a' },
        });
        await store.rooms.markConversationRead(first.id);
        expect((await store.rooms.getConversation(first.id))?.unread).toBe(0);

        const paged: string[] = [];
        let before: string | null = null;
        do {
          const next = await store.rooms.listConversations(desk.id, { limit: 1, before });
          paged.push(...next.conversations.map((entry) => entry.id));
          before = next.nextCursor;
        } while (before);
        expect(paged).toEqual([third.id, first.id, second.id]);
        expect(
          (await store.rooms.listConversations(desk.id, { limit: 10, status: 'bot' }))
            .conversations,
        ).toHaveLength(2);
        expect(await store.rooms.getConversation(desk.id)).toBeNull();
        const rooms = await store.rooms.listRooms();
        expect(rooms.find((entry) => entry.id === desk.id)?.openConversations).toBe(3);
        expect(rooms.some((entry) => entry.id === first.id)).toBe(false);
      });

      it('saves a room for the admin API: created when missing, else title set and settings merged', async () => {
        const id = `saved-${Date.now()}`;
        const created = await store.rooms.saveRoom({ id, settings: { kind: 'support' } });
        expect(created).toMatchObject({ id, title: id, settings: { kind: 'support' } });
        const changed = await store.rooms.saveRoom({
          id,
          title: 'Help',
          settings: { policy: 'all' },
        });
        expect(changed).toMatchObject({
          title: 'Help',
          settings: { kind: 'support', policy: 'all' },
        });
      });
    });

    describe('participants', () => {
      it('keeps a role and a mute per room, lifted by hand or for a while', async () => {
        const room = await freshRoom();
        await store.rooms.upsertParticipant({
          roomId: room.id,
          id: 'user:olga',
          kind: 'human',
          name: 'Olga',
          role: 'operator',
        });
        expect(await store.rooms.getParticipant(room.id, 'user:olga')).toMatchObject({
          role: 'operator',
          mutedUntil: null,
        });
        const until = new Date(Date.now() + 60_000);
        const muted = await store.rooms.setMute({
          roomId: room.id,
          participantId: 'user:olga',
          muted: true,
          until,
        });
        expect(muted.mutedUntil).toBe(until.toISOString());
        const forever = await store.rooms.setMute({
          roomId: room.id,
          participantId: 'user:olga',
          muted: true,
          until: null,
        });
        expect(forever.mutedUntil).toBe('forever');
        const lifted = await store.rooms.setMute({
          roomId: room.id,
          participantId: 'user:olga',
          muted: false,
          until: null,
        });
        expect(lifted.mutedUntil).toBeNull();
        await expect(
          store.rooms.setMute({
            roomId: room.id,
            participantId: 'nobody',
            muted: true,
            until: null,
          }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });
    });
  });
}
