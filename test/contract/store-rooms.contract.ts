/**
 * The contract of `Rooms` (server/store/rooms.ts): rooms and their settings.
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
    const { freshRoom } = roomFixtures(() => store);

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
  });
}
