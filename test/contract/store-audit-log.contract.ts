/**
 * The contract of `AuditLog` (server/store/audit-log.ts): events in order, per room.
 * Run on PGlite in memory and on a real Postgres server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { Sql } from '../../server/store/sql.ts';
import { roomFixtures } from './store-contract-fixtures.ts';

export function describeAuditLogContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`AuditLog contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());
    const { freshRoom } = roomFixtures(() => store);

    describe('audit log', () => {
      it('appends audit events in order', async () => {
        const room = await freshRoom();
        await store.audit.appendEvent({
          roomId: room.id,
          kind: 'participant.joined',
          actor: 'guest-ada',
          data: { name: 'Ada' },
        });
        await store.audit.appendEvent({
          roomId: room.id,
          kind: 'tool.called',
          actor: 'scout',
          data: { name: 'calculator' },
        });
        const events = await store.audit.listEvents(room.id);
        expect(events.map((event) => event.kind)).toEqual(['participant.joined', 'tool.called']);
        expect(await store.audit.listEvents(room.id, { afterId: events[0]!.id })).toEqual([
          events[1],
        ]);
      });
    });
  });
}
