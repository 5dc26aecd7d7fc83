import { randomBytes } from 'node:crypto';
import type { Conversation, ConversationStatus, Role } from '../../protocol/room.ts';
import { NotFoundError } from './not-found-error.ts';
import {
  conversationCursor,
  conversationSelect,
  toConversation,
  type ConversationRow,
} from './postgres-conversation-rows.ts';
import { iso, json } from './postgres-rows.ts';
import type { ConversationPage, Participant, Room, Rooms } from './rooms.ts';
import type { SqlExecutor } from './sql.ts';

interface RoomRow {
  id: string;
  title: string;
  settings: Record<string, unknown>;
  parent_id: string | null;
  visitor_id: string | null;
  status: ConversationStatus | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface ParticipantRow {
  room_id: string;
  id: string;
  kind: 'human' | 'agent';
  name: string;
  role: Role;
  muted_until: Date | string | null;
  muted_forever: boolean;
}

const ROOM_COLUMNS = 'id, title, settings, parent_id, visitor_id, status, created_at, updated_at';
function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    title: row.title,
    settings: row.settings ?? {},
    parentId: row.parent_id,
    visitorId: row.visitor_id,
    status: row.status,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function toParticipant(row: ParticipantRow): Participant {
  return {
    roomId: row.room_id,
    id: row.id,
    kind: row.kind,
    name: row.name,
    role: row.role,
    mutedUntil: row.muted_forever
      ? 'forever'
      : row.muted_until === null
        ? null
        : iso(row.muted_until),
  };
}

/** Conversation ids: `c_` and 16 random base64url characters (a room id, never guessable). */
function conversationId(): string {
  return `c_${randomBytes(12).toString('base64url')}`;
}

/** A room as its callers see it: a conversation with its support room's title and settings. */
const ROOM_WITH_PARENT = `select r.id, coalesce(p.title, r.title) as title, coalesce(p.settings, r.settings) as settings, r.parent_id,
         r.visitor_id, r.status, r.created_at, r.updated_at
       from rooms r left join rooms p on p.id = r.parent_id`;

/** {@link Rooms} over any Postgres (PGlite in-process or a server through node-postgres). */
export class PostgresRooms implements Rooms {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * A conversation has no settings of its own: it is read with its support room's, and its title
   * (the support room's, as its visitor sees it; the inbox names it by its visitor).
   */
  async getRoom(id: string): Promise<Room | null> {
    const { rows } = await this.sql.query<RoomRow>(`${ROOM_WITH_PARENT} where r.id = $1`, [id]);
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
      `update rooms set settings = settings || $2::jsonb, updated_at = now() where id = $1
       returning ${ROOM_COLUMNS}`,
      [id, json(patch)],
    );
    if (!rows[0]) throw new NotFoundError(`Room ${id}`);
    return toRoom(rows[0]);
  }

  async saveRoom(input: {
    id: string;
    title?: string;
    settings: Record<string, unknown>;
  }): Promise<Room> {
    const { rows } = await this.sql.query<RoomRow>(
      `insert into rooms (id, title, settings) values ($1, coalesce($2, $1), $3::jsonb)
       on conflict (id) do update set title = coalesce($2, rooms.title),
         settings = rooms.settings || excluded.settings, updated_at = now()
       returning ${ROOM_COLUMNS}`,
      [input.id, input.title ?? null, json(input.settings)],
    );
    return toRoom(rows[0]!);
  }

  async listRooms(): Promise<Array<Room & { openConversations: number }>> {
    const { rows } = await this.sql.query<RoomRow & { open_conversations: number | string }>(
      `select ${ROOM_COLUMNS.split(', ')
        .map((column) => `r.${column}`)
        .join(', ')},
         (select count(*) from rooms c where c.parent_id = r.id and c.status <> 'closed') as open_conversations
       from rooms r where r.parent_id is null order by r.id`,
    );
    return rows.map((row) => ({
      ...toRoom(row),
      openConversations: Number(row.open_conversations),
    }));
  }

  async upsertParticipant(input: {
    roomId: string;
    id: string;
    kind: 'human' | 'agent';
    name: string;
    role?: Role;
  }): Promise<void> {
    await this.sql.query(
      `insert into participants (room_id, id, kind, name, role) values ($1, $2, $3, $4, $5)
       on conflict (room_id, id) do update set name = excluded.name, role = excluded.role,
         last_seen_at = now()`,
      [input.roomId, input.id, input.kind, input.name, input.role ?? 'guest'],
    );
  }

  async getParticipant(roomId: string, id: string): Promise<Participant | null> {
    const { rows } = await this.sql.query<ParticipantRow>(
      `select room_id, id, kind, name, role, muted_until, muted_forever from participants
       where room_id = $1 and id = $2`,
      [roomId, id],
    );
    return rows[0] ? toParticipant(rows[0]) : null;
  }

  async setMute(input: {
    roomId: string;
    participantId: string;
    muted: boolean;
    until: Date | null;
  }): Promise<Participant> {
    const { rows } = await this.sql.query<ParticipantRow>(
      `update participants set muted_until = $3, muted_forever = $4
       where room_id = $1 and id = $2
       returning room_id, id, kind, name, role, muted_until, muted_forever`,
      [
        input.roomId,
        input.participantId,
        input.muted ? input.until : null,
        input.muted && input.until === null,
      ],
    );
    if (!rows[0]) throw new NotFoundError(`Participant ${input.participantId}`);
    return toParticipant(rows[0]);
  }

  async openConversation(input: {
    parentId: string;
    visitor: { id: string; name: string; role: Role };
    title: string;
  }): Promise<{ room: Room; created: boolean }> {
    const find = async () => {
      const { rows } = await this.sql.query<RoomRow>(
        `${ROOM_WITH_PARENT}
         where r.parent_id = $1 and r.visitor_id = $2 and r.status <> 'closed'`,
        [input.parentId, input.visitor.id],
      );
      return rows[0] ? toRoom(rows[0]) : null;
    };
    const existing = await find();
    if (existing) return { room: existing, created: false };
    // The unique index on open conversations makes a concurrent second insert a no-op.
    const { rows } = await this.sql.query<RoomRow>(
      `insert into rooms (id, title, settings, parent_id, visitor_id, status)
       values ($1, $2, '{}'::jsonb, $3, $4, 'bot')
       on conflict do nothing returning ${ROOM_COLUMNS}`,
      [conversationId(), input.title, input.parentId, input.visitor.id],
    );
    if (rows[0]) return { room: (await this.getRoom(rows[0].id))!, created: true };
    const raced = await find();
    if (!raced) throw new Error(`No open conversation for ${input.visitor.id} after a conflict`);
    return { room: raced, created: false };
  }

  async getConversation(id: string): Promise<Conversation | null> {
    const { rows } = await this.sql.query<ConversationRow>(
      `${conversationSelect()} where c.id = $1 and c.parent_id is not null`,
      [id],
    );
    return rows[0] ? toConversation(rows[0]) : null;
  }

  async listConversations(
    parentId: string,
    options: { status?: ConversationStatus; before?: string | null; limit: number },
  ): Promise<ConversationPage> {
    const conditions = ['c.parent_id = $1'];
    const params: unknown[] = [parentId];
    if (options.status) {
      params.push(options.status);
      conditions.push(`c.status = $${params.length}`);
    }
    if (options.before) {
      const [waiting, ms, id] = options.before.split(':');
      params.push(Number(waiting), new Date(Number(ms)), id);
      const [w, t, i] = [params.length - 2, params.length - 1, params.length];
      conditions.push(
        `((c.status = 'waiting')::int, c.last_activity_at, c.id) < ($${w}, $${t}, $${i})`,
      );
    }
    params.push(options.limit + 1);
    const { rows } = await this.sql.query<ConversationRow>(
      `${conversationSelect()} where ${conditions.join(' and ')}
       order by (c.status = 'waiting')::int desc, c.last_activity_at desc, c.id desc
       limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      conversations: page.map(toConversation),
      nextCursor: rows.length > options.limit && last ? conversationCursor(last) : null,
    };
  }

  async setConversationStatus(id: string, status: ConversationStatus): Promise<Room> {
    const { rows } = await this.sql.query<{ id: string }>(
      `update rooms set status = $2, last_activity_at = now(), updated_at = now()
       where id = $1 and parent_id is not null returning id`,
      [id, status],
    );
    if (!rows[0]) throw new NotFoundError(`Conversation ${id}`);
    return (await this.getRoom(id))!;
  }

  async touchConversation(id: string): Promise<void> {
    await this.sql.query(
      'update rooms set last_activity_at = now() where id = $1 and parent_id is not null',
      [id],
    );
  }

  async markConversationRead(id: string): Promise<void> {
    await this.sql.query(
      `update rooms set staff_read_position =
         coalesce((select max(position) from messages where room_id = $1), 0)
       where id = $1 and parent_id is not null`,
      [id],
    );
  }
}
