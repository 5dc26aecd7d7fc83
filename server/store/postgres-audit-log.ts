import type { AuditLog, RoomEvent } from './audit-log.ts';
import { iso, json } from './postgres-rows.ts';
import type { SqlExecutor } from './sql.ts';

interface EventRow {
  id: number | string;
  room_id: string;
  kind: string;
  actor: string | null;
  data: Record<string, unknown>;
  created_at: Date | string;
}

/** Appends one event through `executor`: the log itself, or a transaction that records what it did (run recovery). */
export async function insertEvent(
  executor: SqlExecutor,
  input: { roomId: string; kind: string; actor?: string | null; data?: Record<string, unknown> },
): Promise<void> {
  await executor.query(
    'insert into room_events (room_id, kind, actor, data) values ($1, $2, $3, $4::jsonb)',
    [input.roomId, input.kind, input.actor ?? null, json(input.data ?? {})],
  );
}

/** {@link AuditLog} over any Postgres. */
export class PostgresAuditLog implements AuditLog {
  constructor(private readonly sql: SqlExecutor) {}

  appendEvent(input: {
    roomId: string;
    kind: string;
    actor?: string | null;
    data?: Record<string, unknown>;
  }): Promise<void> {
    return insertEvent(this.sql, input);
  }

  async listEvents(
    roomId: string,
    options: { afterId?: number; limit?: number } = {},
  ): Promise<RoomEvent[]> {
    const { rows } = await this.sql.query<EventRow>(
      'select * from room_events where room_id = $1 and id > $2 order by id limit $3',
      [roomId, options.afterId ?? 0, Math.min(options.limit ?? 100, 1000)],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      roomId: row.room_id,
      kind: row.kind,
      actor: row.actor,
      data: row.data,
      createdAt: iso(row.created_at),
    }));
  }
}
