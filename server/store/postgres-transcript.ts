import { randomUUID } from 'node:crypto';
import type { Author, Message } from '../../protocol/room.ts';
import { wellFormed } from '../../protocol/text.ts';
import { AppError } from '../lib/app-error.ts';
import { NotFoundError } from './not-found-error.ts';
import {
  MESSAGE_COLUMNS,
  UUID,
  json,
  messageColumnsOf,
  toMessage,
  type MessageRow,
} from './postgres-rows.ts';
import type { Sql } from './sql.ts';
import {
  MessageConflictError,
  MessageStreamingError,
  type MessagePage,
  type NewAgentMessage,
  type ReplyCheckpoint,
  type ReplyEnding,
  type ReplySnapshot,
  type Transcript,
} from './transcript.ts';
import type { UnitOfWork } from './unit-of-work.ts';

const MAX_PAGE = 200;

/** {@link Transcript} over any Postgres: the `messages` table, positions as page cursors, `search` for full text. */
export class PostgresTranscript implements Transcript {
  constructor(private readonly sql: Sql) {}

  async insertHumanMessage(
    input: { id: string; roomId: string; author: Author; content: string },
    unit?: UnitOfWork,
  ): Promise<{ message: Message; created: boolean }> {
    if (!unit) return this.sql.transaction((tx) => this.insertHumanMessage(input, tx));
    const content = wellFormed(input.content);
    const inserted = await unit.query<MessageRow>(
      `insert into messages (id, room_id, author_kind, author_id, author_name, author_role, content, status)
       values ($1, $2, $3, $4, $5, $6, $7, 'complete') on conflict (id) do nothing returning ${MESSAGE_COLUMNS}`,
      [
        input.id,
        input.roomId,
        input.author.kind,
        input.author.id,
        wellFormed(input.author.name),
        input.author.role ?? null,
        content,
      ],
    );
    if (inserted.rows[0]) return { message: toMessage(inserted.rows[0]), created: true };
    const existing = (
      await unit.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [
        input.id,
      ])
    ).rows[0];
    if (
      !existing ||
      existing.room_id !== input.roomId ||
      existing.content !== content ||
      existing.author_id !== input.author.id
    ) {
      throw new MessageConflictError(input.id);
    }
    return { message: toMessage(existing), created: false };
  }

  async insertSystemMessage(input: {
    roomId: string;
    content: string;
    replyTo?: string | null;
    id?: string;
  }): Promise<Message> {
    const { rows } = await this.sql.query<MessageRow>(
      `insert into messages (id, room_id, author_kind, author_id, author_name, content, status, reply_to)
       values ($1, $2, 'system', 'system', 'Chorus', $3, 'complete', $4) returning ${MESSAGE_COLUMNS}`,
      [input.id ?? randomUUID(), input.roomId, wellFormed(input.content), input.replyTo ?? null],
    );
    return toMessage(rows[0]!);
  }

  async deleteMessage(roomId: string, id: string): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.sql.query<MessageRow>(
      `update messages set status = 'deleted', content = '', parts = '[]'::jsonb, error = null,
         updated_at = now()
       where id = $1 and room_id = $2 and status <> 'streaming' returning ${MESSAGE_COLUMNS}`,
      [id, roomId],
    );
    if (rows[0]) return toMessage(rows[0]);
    const existing = await this.getMessage(id);
    if (existing?.roomId !== roomId) return null;
    throw new MessageStreamingError(id);
  }

  async getMessage(id: string): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.sql.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages where id = $1`,
      [id],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async listMessages(
    roomId: string,
    options: { before?: string | null; limit?: number } = {},
  ): Promise<MessagePage> {
    const limit = Math.min(Math.max(1, options.limit ?? 50), MAX_PAGE);
    const before = options.before ? Number(options.before) : null;
    if (before !== null && !Number.isSafeInteger(before)) {
      throw new AppError({
        name: 'InvalidCursorError',
        code: 'invalid_cursor',
        status: 400,
        message: 'The cursor is not one this API gave out',
      });
    }
    const { rows } = await this.sql.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages
       where room_id = $1 and ($2::bigint is null or position < $2::bigint)
       order by position desc limit $3`,
      [roomId, before, limit + 1],
    );
    const page = rows.slice(0, limit);
    const oldest = page[page.length - 1];
    return {
      messages: page.reverse().map(toMessage),
      nextCursor: rows.length > limit && oldest ? String(oldest.position) : null,
    };
  }

  async recentMessages(roomId: string, limit: number): Promise<Message[]> {
    return (await this.listMessages(roomId, { limit })).messages;
  }

  async searchMessages(roomId: string, query: string, limit = 10): Promise<Message[]> {
    const { rows } = await this.sql.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages, websearch_to_tsquery('simple', $2) as query
       where room_id = $1 and search @@ query
       order by ts_rank(search, query) desc, position desc limit $3`,
      [roomId, query, Math.min(Math.max(1, limit), 50)],
    );
    return rows.map(toMessage);
  }

  async startAgentMessage(input: NewAgentMessage): Promise<Message> {
    return (await this.startAgentMessages([input]))[0]!;
  }

  async startAgentMessages(inputs: readonly NewAgentMessage[]): Promise<Message[]> {
    if (inputs.length === 0) return [];
    // One statement for replies starting together. A regeneration is a new version of the
    // agent's first reply to the same message (docs/architecture.md §3, versions): `version_of`
    // names that first version.
    const { rows } = await this.sql.query<MessageRow>(
      `insert into messages (id, room_id, author_kind, author_id, author_name, status, reply_to, reason, model, version_of)
       select reply.id, reply.room_id, reply.author_kind, reply.author_id, reply.author_name, 'streaming',
         reply.reply_to, reply.reason, reply.model,
         case when reply.reason = 'regenerate' then (
           select coalesce(first.version_of, first.id) from messages first
           where first.room_id = reply.room_id and first.reply_to = reply.reply_to and first.author_kind = 'agent'
             and first.author_id = reply.author_id and first.id <> reply.id
           order by first.position limit 1) end
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[])
         as reply (id, room_id, author_kind, author_id, author_name, reply_to, reason, model)
       returning ${MESSAGE_COLUMNS}`,
      [
        inputs.map((input) => input.id),
        inputs.map((input) => input.roomId),
        inputs.map((input) => input.author.kind),
        inputs.map((input) => input.author.id),
        inputs.map((input) => input.author.name),
        inputs.map((input) => input.replyTo),
        inputs.map((input) => input.reason),
        inputs.map((input) => input.model),
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, toMessage(row)]));
    return inputs.map((input) => byId.get(input.id.toLowerCase())!);
  }

  checkpointAgentMessage(id: string, snapshot: ReplySnapshot): Promise<void> {
    return this.checkpointAgentMessages([{ id, snapshot }]);
  }

  async checkpointAgentMessages(checkpoints: readonly ReplyCheckpoint[]): Promise<void> {
    if (checkpoints.length === 0) return;
    // One statement for every reply in flight: the rows travel as one JSON array.
    const rows = checkpoints.map(({ id, snapshot }) => ({
      id,
      content: snapshot.content,
      parts: snapshot.parts,
      seq: snapshot.seq,
    }));
    await this.sql.query(
      `update messages m set content = c.content, parts = c.parts, seq = c.seq, updated_at = now()
       from jsonb_to_recordset($1::jsonb) as c(id uuid, content text, parts jsonb, seq integer)
       where m.id = c.id and m.status = 'streaming'`,
      [json(rows)], // every string well-formed, the text's too
    );
  }

  async finishAgentMessage(id: string, final: ReplyEnding): Promise<Message> {
    return (await this.finishAgentMessages([{ id, final }]))[0]!;
  }

  async finishAgentMessages(
    endings: readonly { id: string; final: ReplyEnding }[],
  ): Promise<Message[]> {
    if (endings.length === 0) return [];
    // One statement for replies ending together; the rows travel as one JSON array.
    const rows = endings.map(({ id, final }) => ({
      id,
      content: final.content,
      parts: final.parts,
      seq: final.seq,
      status: final.status,
      usage: final.usage ?? null,
      error: final.error ?? null,
      stopped_by: final.stoppedBy ?? null,
    }));
    const { rows: finished } = await this.sql.query<MessageRow>(
      `update messages m set content = f.content, parts = f.parts, seq = f.seq, status = f.status, usage = f.usage,
         error = f.error, stopped_by = f.stopped_by, updated_at = now()
       from jsonb_to_recordset($1::jsonb)
         as f(id uuid, content text, parts jsonb, seq integer, status text, usage jsonb, error text, stopped_by jsonb)
       where m.id = f.id and m.status = 'streaming'
       returning ${messageColumnsOf('m')}`,
      [json(rows)], // every string well-formed, the text's too
    );
    const byId = new Map(finished.map((row) => [row.id, toMessage(row)]));
    return Promise.all(
      endings.map(async ({ id }) => {
        const message = byId.get(id.toLowerCase());
        if (message) return message;
        const current = await this.getMessage(id); // finalised elsewhere (recovered after a lost lease)
        if (!current) throw new NotFoundError(`Message ${id}`);
        return current;
      }),
    );
  }
}
