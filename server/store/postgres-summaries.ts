import { randomUUID } from 'node:crypto';
import type { Message } from '../../protocol/room.ts';
import { MESSAGE_COLUMNS, UUID, iso, toMessage, type MessageRow } from './postgres-rows.ts';
import type { SqlExecutor } from './sql.ts';
import type { RoomSession, Summaries } from './summaries.ts';

interface SessionRow {
  id: string;
  room_id: string;
  started_at: Date | string;
  ended_at: Date | string;
  message_count: number;
  summary: string;
}

const SESSION_COLUMNS = 'id, room_id, started_at, ended_at, message_count, summary';

function toSession(row: SessionRow): RoomSession {
  return {
    id: row.id,
    roomId: row.room_id,
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    durationMs: new Date(row.ended_at).getTime() - new Date(row.started_at).getTime(),
    messageCount: row.message_count,
    summary: row.summary,
  };
}

/** {@link Summaries} over any Postgres. */
export class PostgresSummaries implements Summaries {
  constructor(private readonly sql: SqlExecutor) {}

  async unsummarizedMessages(roomId: string, limit: number): Promise<Message[]> {
    // Compared in SQL, at the database's microsecond precision (an ISO string keeps milliseconds).
    const { rows } = await this.sql.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages
       where room_id = $1 and created_at > coalesce((select max(ended_at) from room_sessions where room_id = $1), '-infinity')
       order by position desc limit $2`,
      [roomId, Math.max(1, limit)],
    );
    return rows.reverse().map(toMessage);
  }

  async addSession(input: {
    roomId: string;
    messageIds: readonly string[];
    summary: string;
  }): Promise<RoomSession | null> {
    const { rows } = await this.sql.query<SessionRow>(
      `insert into room_sessions (id, room_id, started_at, ended_at, message_count, summary)
       select $1, $2, min(created_at), max(created_at), count(*), $4 from messages where room_id = $2 and id = any($3::uuid[])
       having count(*) > 0
       on conflict (room_id, started_at) do nothing
       returning ${SESSION_COLUMNS}`,
      [randomUUID(), input.roomId, input.messageIds.filter((id) => UUID.test(id)), input.summary],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async latestSession(roomId: string): Promise<RoomSession | null> {
    const { rows } = await this.sql.query<SessionRow>(
      `select ${SESSION_COLUMNS} from room_sessions
       where room_id = $1 and summary is not null order by ended_at desc nulls last, started_at desc limit 1`,
      [roomId],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async latestVisitorSession(
    supportRoomId: string,
    visitorId: string,
  ): Promise<RoomSession | null> {
    const { rows } = await this.sql.query<SessionRow>(
      `select ${SESSION_COLUMNS.replace(/(\w+)/g, 's.$1')} from room_sessions s join rooms r on r.id = s.room_id
       where r.parent_id = $1 and r.visitor_id = $2 and s.summary is not null
       order by s.ended_at desc nulls last, s.started_at desc limit 1`,
      [supportRoomId, visitorId],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async listSessions(roomId: string, limit: number): Promise<RoomSession[]> {
    const { rows } = await this.sql.query<SessionRow>(
      `select ${SESSION_COLUMNS} from room_sessions
       where room_id = $1 and summary is not null order by ended_at desc nulls last, started_at desc limit $2`,
      [roomId, Math.max(1, limit)],
    );
    return rows.map(toSession);
  }
}
