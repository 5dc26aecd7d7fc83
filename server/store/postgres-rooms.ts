import { NotFoundError } from './not-found-error.ts';
import { iso, json } from './postgres-rows.ts';
import type { Room, Rooms } from './rooms.ts';
import type { SqlExecutor } from './sql.ts';

interface RoomRow {
  id: string;
  title: string;
  settings: Record<string, unknown>;
  created_at: Date | string;
  updated_at: Date | string;
}

function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    title: row.title,
    settings: row.settings ?? {},
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** {@link Rooms} over any Postgres (PGlite in-process or a server through node-postgres). */
export class PostgresRooms implements Rooms {
  constructor(private readonly sql: SqlExecutor) {}

  async getRoom(id: string): Promise<Room | null> {
    const { rows } = await this.sql.query<RoomRow>('select * from rooms where id = $1', [id]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async ensureRoom(input: {
    id: string;
    title: string;
    settings?: Record<string, unknown>;
  }): Promise<Room> {
    await this.sql.query(
      'insert into rooms (id, title, settings) values ($1, $2, $3::jsonb) on conflict (id) do nothing',
      [input.id, input.title, json(input.settings ?? {})],
    );
    return (await this.getRoom(input.id))!;
  }

  async updateRoomSettings(id: string, patch: Record<string, unknown>): Promise<Room> {
    const { rows } = await this.sql.query<RoomRow>(
      'update rooms set settings = settings || $2::jsonb, updated_at = now() where id = $1 returning *',
      [id, json(patch)],
    );
    if (!rows[0]) throw new NotFoundError(`Room ${id}`);
    return toRoom(rows[0]);
  }

  async upsertParticipant(input: {
    roomId: string;
    id: string;
    kind: 'human' | 'agent';
    name: string;
  }): Promise<void> {
    await this.sql.query(
      `insert into participants (room_id, id, kind, name) values ($1, $2, $3, $4)
       on conflict (room_id, id) do update set name = excluded.name, last_seen_at = now()`,
      [input.roomId, input.id, input.kind, input.name],
    );
  }
}
