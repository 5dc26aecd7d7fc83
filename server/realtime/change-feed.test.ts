/**
 * The change feed on both engines (PGlite and node-postgres): the migration's triggers NOTIFY,
 * the feed reads each row and hands on the change in commit order, with the old key only for a
 * DELETE, nothing read while nobody subscribes, and nothing handed on after close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openTestPGlite, openTestPostgres } from '../../test/helpers/databases.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import type { Sql } from '../store/sql.ts';
import { startChangeFeed, type ChangeFeed } from './change-feed.ts';
import type { RowChange } from './hub/postgres-changes.ts';

const opened: Array<{ sql: Sql; feed: ChangeFeed }> = [];
afterEach(async () => {
  for (const { sql, feed } of opened.splice(0)) {
    await feed.close();
    await sql.close();
  }
});

const engines: Array<[string, () => Promise<Sql>]> = [
  ['PGlite', () => openTestPGlite()],
  ['PostgreSQL', async () => (await openTestPostgres()).sql],
];

describe.each(engines)('the change feed on %s', (_name, open) => {
  async function start(interested = () => true) {
    const sql = await open();
    const changes: RowChange[] = [];
    const feed = await startChangeFeed({
      sql,
      publish: (change) => changes.push(change),
      interested,
      log: () => {},
    });
    opened.push({ sql, feed });
    return { sql, changes, feed };
  }

  it('hands on INSERT, UPDATE and DELETE of rooms and messages in commit order, rows as to_jsonb gives them', async () => {
    const { sql, changes } = await start();
    const id = crypto.randomUUID();
    // Each statement waits for its change: a row already gone when the feed reads it is skipped.
    const step = async (count: number, text: string, params: unknown[] = []) => {
      await sql.query(text, params);
      await waitFor(() => changes.length >= count, { timeoutMs: 5000, what: `${count} changes` });
    };
    await step(1, `insert into rooms (id, title) values ('lobby', 'Lobby')`);
    await step(
      2,
      `insert into messages (id, room_id, author_kind, author_id, author_name, content, status, usage)
       values ($1, 'lobby', 'agent', 'sage', 'Sage', 'Hel', 'streaming', '{"inputTokens": 3}')`,
      [id],
    );
    await step(3, `update messages set content = 'Hello', status = 'complete' where id = $1`, [id]);
    await step(5, `delete from rooms where id = 'lobby'`);

    expect(changes.map((change) => `${change.table} ${change.type}`)).toEqual([
      'rooms INSERT',
      'messages INSERT',
      'messages UPDATE',
      'rooms DELETE',
      'messages DELETE', // by the cascade, after the room's own trigger
    ]);
    const [room, inserted, updated, roomDeleted, deleted] = changes as [
      RowChange,
      RowChange,
      RowChange,
      RowChange,
      RowChange,
    ];
    expect(room).toMatchObject({ roomId: 'lobby', parentId: null, oldRecord: {} });
    expect(room.record).toMatchObject({ id: 'lobby', title: 'Lobby', parent_id: null });
    expect(inserted.record).toMatchObject({
      id,
      room_id: 'lobby',
      content: 'Hel',
      status: 'streaming',
      usage: { inputTokens: 3 },
    });
    expect(typeof inserted.record.position).toBe('number');
    expect(inserted.record.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(updated).toMatchObject({ oldRecord: { id }, roomId: 'lobby' });
    expect(updated.record).toMatchObject({ content: 'Hello', status: 'complete' });
    expect(deleted).toMatchObject({ record: {}, oldRecord: { id }, roomId: 'lobby' });
    expect(roomDeleted).toMatchObject({ record: {}, oldRecord: { id: 'lobby' }, roomId: 'lobby' });
    expect(inserted.columns).toContainEqual({ name: 'room_id', type: 'text' });
    expect(inserted.columns).toContainEqual({ name: 'id', type: 'uuid' });
    expect(room.columns.map((column) => column.name)).toContain('parent_id');
    for (const change of changes)
      expect(new Date(change.commitTimestamp).toISOString()).toBe(change.commitTimestamp);
  });

  it("names a conversation's parent, so operators of the support room can be given its rows", async () => {
    const { sql, changes } = await start();
    await sql.query(`insert into rooms (id, title) values ('support', 'Support')`);
    await sql.query(
      `insert into rooms (id, title, parent_id, visitor_id, status) values ('c1', 'c1', 'support', 'guest:v', 'bot')`,
    );
    await sql.query(
      `insert into messages (id, room_id, author_kind, author_id, author_name, status)
       values ($1, 'c1', 'human', 'guest:v', 'V', 'complete')`,
      [crypto.randomUUID()],
    );
    await waitFor(() => changes.length === 3, { timeoutMs: 5000, what: 'three changes' });
    expect(changes.map((change) => [change.table, change.roomId, change.parentId])).toEqual([
      ['rooms', 'support', null],
      ['rooms', 'c1', 'support'],
      ['messages', 'c1', 'support'],
    ]);
  });

  it('reads nothing while nobody subscribes, and hands on nothing after close', async () => {
    let interested = false;
    const { sql, changes, feed } = await start(() => interested);
    await sql.query(`insert into rooms (id, title) values ('quiet', 'Quiet')`);
    await new Promise((resolve) => setTimeout(resolve, 300)); // its notification arrives meanwhile
    interested = true;
    await sql.query(`insert into rooms (id, title) values ('loud', 'Loud')`);
    await waitFor(() => changes.length === 1, { timeoutMs: 5000, what: 'one change' });
    expect(changes[0]!.record.id).toBe('loud');
    await feed.close();
    await sql.query(`insert into rooms (id, title) values ('late', 'Late')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).toHaveLength(1);
  });
});
