import { describe, expect, it } from 'vitest';
import { openTestPGlite, openTestPostgres } from '../../test/helpers/databases.ts';
import { copyDatabase } from './copy-database.ts';
import { createPostgresStores, type PostgresStores } from './postgres-stores.ts';
import { postHumanMessage } from './store.ts';

const ADA = { kind: 'human', id: 'ada', name: 'Ada' } as const;

function post(stores: PostgresStores, content: string) {
  return postHumanMessage(stores, {
    id: crypto.randomUUID(),
    roomId: 'moved',
    author: ADA,
    content,
    runs: [{ agentId: 'sage', reason: 'all' }],
  });
}

async function contents(stores: PostgresStores): Promise<string[]> {
  return (await stores.transcript.recentMessages('moved', 50)).map((message) => message.content);
}

describe('copyDatabase: a PGlite database into a PostgreSQL server', () => {
  it('copies every row: the transcript, its runs and the knowledge, searchable there as here; identities go on', async () => {
    const source = await openTestPGlite();
    const { sql: target } = await openTestPostgres();
    try {
      const here = createPostgresStores(source);
      await here.rooms.ensureRoom({ id: 'moved', title: 'Moved room' });
      for (const content of ['First post', 'Second post about the ferry'])
        await post(here, content);
      await here.knowledge.putDocument({
        source: 'delivery.md',
        title: 'Delivery',
        url: '/delivery',
        checksum: 'abc',
        chunks: [{ title: 'Islands', content: 'We deliver to the islands by ferry twice a week.' }],
      });

      const copied = await copyDatabase(source, target);

      expect(copied).toMatchObject({ rooms: 1, messages: 2, agent_runs: 2 });
      const there = createPostgresStores(target);
      expect(await contents(there)).toEqual(await contents(here));
      // Generated search vectors are the target's own, and they find what they found here.
      expect(
        (await there.transcript.searchMessages('moved', 'ferry')).map((m) => m.content),
      ).toEqual(['Second post about the ferry']);
      const passages = await there.knowledge.search('islands ferry', 3);
      expect(passages.map((passage) => passage.title)).toEqual(['Islands']);
      // A new post takes its place after the copied ones (the sequences were carried over).
      await post(there, 'Third post, on PostgreSQL');
      expect(await contents(there)).toEqual([
        ...(await contents(here)),
        'Third post, on PostgreSQL',
      ]);
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
  });

  it('refuses a target that holds rows or lacks a table, and changes nothing', async () => {
    const source = await openTestPGlite();
    const { sql: full } = await openTestPostgres();
    const { sql: bare } = await openTestPostgres({ migrated: false });
    try {
      await createPostgresStores(source).rooms.ensureRoom({ id: 'moved', title: 'Moved room' });
      await createPostgresStores(full).rooms.ensureRoom({ id: 'other', title: 'Other room' });

      await expect(copyDatabase(source, full)).rejects.toThrow(/already holds rows in rooms/);
      await expect(copyDatabase(source, bare)).rejects.toThrow(/has no table .*: migrate it first/);
      expect((await full.query('select id from rooms')).rows).toEqual([{ id: 'other' }]);
    } finally {
      await Promise.all([source.close(), full.close(), bare.close()]);
    }
  });
});
