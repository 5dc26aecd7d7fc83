// The change feed behind `postgres_changes` (docs/architecture.md §9, docs/realtime-protocol.md
// §10): triggers on `messages` and `rooms` NOTIFY `chorus_changes` with the table, operation and
// keys (supabase/migrations/20261202120000_add_change_feed.sql); this LISTENs, reads the row and
// hands it to the hub. Works on PGlite and node-postgres (both implement `Sql.listen`).
import { isRecord } from '../lib/is-record.ts';
import type { Logger } from '../lib/logger.ts';
import type { Sql } from '../store/sql.ts';
import { MESSAGE_ROW_JSON } from '../store/table-rows.ts';
import {
  CHANGE_TABLES,
  type ChangeTable,
  type ChangeType,
  type RowChange,
} from './hub/postgres-changes.ts';

export const CHANGES_CHANNEL = 'chorus_changes';

export interface ChangeFeedOptions {
  sql: Sql;
  /** Where each change goes: `RealtimeHub.publishChange`. */
  publish(change: RowChange): void;
  /** Whether anyone subscribes; when not, notifications are dropped without reading the row. */
  interested(): boolean;
  log: Logger;
}

export interface ChangeFeed {
  /** Stops listening and waits for the changes already received to be handed on. */
  close(): Promise<void>;
}

interface Notification {
  table: ChangeTable;
  type: ChangeType;
  id: string;
  room: string;
  parent: string | null;
}

const TYPES: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE']);

function parseNotification(payload: string): Notification | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { table, op, id, room, parent } = value;
  if (!(CHANGE_TABLES as readonly unknown[]).includes(table) || !TYPES.has(op as string))
    return null;
  if (typeof id !== 'string' || typeof room !== 'string') return null;
  return {
    table: table as ChangeTable,
    type: op as ChangeType,
    id,
    room,
    parent: typeof parent === 'string' ? parent : null,
  };
}

/** Each table's row read: the row as `to_jsonb` gives it (without the search index's vector) and its room's parent. */
const READ_ROW: Record<ChangeTable, string> = {
  messages: `select ${MESSAGE_ROW_JSON} as record, r.parent_id from messages m join rooms r on r.id = m.room_id where m.id = $1`,
  rooms: `select to_jsonb(r) as record, r.parent_id from rooms r where r.id = $1`,
};

/**
 * LISTENs to the triggers' notifications and hands each change on, one at a time in the order
 * Postgres delivered them. A row read after later changes gives its latest state; a row gone by
 * the time it is read (deleted meanwhile) is skipped: its DELETE follows.
 */
export async function startChangeFeed(options: ChangeFeedOptions): Promise<ChangeFeed> {
  const { sql, log } = options;
  const columns = await tableColumns(sql);
  let closed = false;
  let chain = Promise.resolve();

  const handle = async (notification: Notification, commitTimestamp: string) => {
    const common = {
      table: notification.table,
      type: notification.type,
      columns: columns[notification.table],
      commitTimestamp,
      oldRecord: { id: notification.id },
    };
    if (notification.type === 'DELETE') {
      const parentId =
        notification.table === 'rooms'
          ? notification.parent
          : await roomParent(sql, notification.room);
      options.publish({ ...common, record: {}, roomId: notification.room, parentId });
      return;
    }
    const read = await sql.query<{ record: Record<string, unknown>; parent_id: string | null }>(
      READ_ROW[notification.table],
      [notification.id],
    );
    const row = read.rows[0];
    if (!row || closed) return;
    options.publish({
      ...common,
      oldRecord: notification.type === 'UPDATE' ? common.oldRecord : {},
      record: row.record,
      roomId: notification.room,
      parentId: row.parent_id,
    });
  };

  const unlisten = await sql.listen(CHANGES_CHANNEL, (payload) => {
    if (closed || !options.interested()) return;
    const notification = parseNotification(payload);
    if (!notification) {
      log('warn', 'realtime.change_unreadable', { bytes: payload.length });
      return;
    }
    const commitTimestamp = new Date().toISOString();
    chain = chain
      .then(() => (closed ? undefined : handle(notification, commitTimestamp)))
      .catch((error: unknown) =>
        log('error', 'realtime.change_failed', { table: notification.table, error }),
      );
  });
  return {
    async close() {
      closed = true;
      await unlisten();
      await chain;
    },
  };
}

async function roomParent(sql: Sql, roomId: string): Promise<string | null> {
  const result = await sql.query<{ parent_id: string | null }>(
    'select parent_id from rooms where id = $1',
    [roomId],
  );
  return result.rows[0]?.parent_id ?? null;
}

/** The columns Supabase lists with each change: name and Postgres type (`udt_name`), in order. */
async function tableColumns(sql: Sql): Promise<Record<ChangeTable, RowChange['columns']>> {
  const result = await sql.query<{
    table_name: ChangeTable;
    column_name: string;
    udt_name: string;
  }>(
    `select table_name, column_name, udt_name from information_schema.columns
      where table_schema = current_schema() and table_name in ('messages', 'rooms')
        and column_name <> 'search'
      order by table_name, ordinal_position`,
  );
  const columns: Record<ChangeTable, RowChange['columns']> = {
    messages: [],
    rooms: [],
  };
  for (const row of result.rows)
    columns[row.table_name].push({ name: row.column_name, type: row.udt_name });
  return columns;
}
