import { randomUUID } from 'node:crypto';
import type { Author, Message, MessagePart, MessageStatus, ReplyReason, TokenUsage } from '../../protocol/room.ts';
import { AppError } from '../lib/app-error.ts';
import type { Sql, SqlExecutor } from './sql.ts';
import {
  MessageConflictError,
  NotFoundError,
  RUNS_CHANNEL,
  STOPS_CHANNEL,
  type AgentRun,
  type MessagePage,
  type NewRun,
  type RecoveredRun,
  type ReplySnapshot,
  type Room,
  type RoomEvent,
  type RoomSession,
  type RunStatus,
  type StopRequest,
  type Store,
} from './store.ts';

interface MessageRow {
  id: string;
  room_id: string;
  position: number | string;
  author_kind: Author['kind'];
  author_id: string;
  author_name: string;
  content: string;
  parts: MessagePart[];
  status: MessageStatus;
  reply_to: string | null;
  reason: ReplyReason | null;
  seq: number;
  model: string | null;
  usage: TokenUsage | null;
  error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface RunRow {
  id: string;
  room_id: string;
  message_id: string;
  trigger_message_id: string;
  agent_id: string;
  reason: ReplyReason;
  depth: number;
  status: RunStatus;
  attempt: number;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  last_error: string | null;
  created_at: Date | string;
}

const MESSAGE_COLUMNS = `id, room_id, position, author_kind, author_id, author_name, content, parts, status,
  reply_to, reason, seq, model, usage, error, created_at, updated_at`;
const MAX_PAGE = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());
const json = (value: unknown) => JSON.stringify(value);
const today = () => new Date().toISOString().slice(0, 10);

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    position: Number(row.position),
    author: { kind: row.author_kind, id: row.author_id, name: row.author_name },
    content: row.content,
    parts: row.parts ?? [],
    status: row.status,
    seq: row.seq,
    replyTo: row.reply_to,
    reason: row.reason,
    model: row.model,
    usage: row.usage,
    error: row.error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function toRun(row: RunRow): AgentRun {
  return {
    id: row.id,
    roomId: row.room_id,
    messageId: row.message_id,
    triggerMessageId: row.trigger_message_id,
    agentId: row.agent_id,
    reason: row.reason,
    depth: row.depth,
    status: row.status,
    attempt: row.attempt,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at === null ? null : iso(row.lease_expires_at),
    lastError: row.last_error,
    createdAt: iso(row.created_at),
  };
}

interface SessionRow {
  id: string;
  room_id: string;
  started_at: Date | string;
  ended_at: Date | string;
  summary: string;
}

function toSession(row: SessionRow): RoomSession {
  return { id: row.id, roomId: row.room_id, startedAt: iso(row.started_at), endedAt: iso(row.ended_at), summary: row.summary };
}

function toRoom(row: { id: string; title: string; settings: Record<string, unknown>; created_at: Date | string; updated_at: Date | string }): Room {
  return { id: row.id, title: row.title, settings: row.settings ?? {}, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) };
}

/**
 * The {@link Store} over any Postgres: PGlite in-process or a server through node-postgres.
 * @example const store = new PostgresStore(await PGliteSql.open());
 */
export class PostgresStore implements Store {
  constructor(readonly sql: Sql) {}

  async getRoom(id: string): Promise<Room | null> {
    const { rows } = await this.sql.query<Parameters<typeof toRoom>[0]>('select * from rooms where id = $1', [id]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async ensureRoom(input: { id: string; title: string; settings?: Record<string, unknown> }): Promise<Room> {
    await this.sql.query('insert into rooms (id, title, settings) values ($1, $2, $3::jsonb) on conflict (id) do nothing', [
      input.id,
      input.title,
      json(input.settings ?? {}),
    ]);
    return (await this.getRoom(input.id))!;
  }

  async updateRoomSettings(id: string, patch: Record<string, unknown>): Promise<Room> {
    const { rows } = await this.sql.query<Parameters<typeof toRoom>[0]>(
      'update rooms set settings = settings || $2::jsonb, updated_at = now() where id = $1 returning *',
      [id, json(patch)],
    );
    if (!rows[0]) throw new NotFoundError(`Room ${id}`);
    return toRoom(rows[0]);
  }

  async upsertParticipant(input: { roomId: string; id: string; kind: 'human' | 'agent'; name: string }): Promise<void> {
    await this.sql.query(
      `insert into participants (room_id, id, kind, name) values ($1, $2, $3, $4)
       on conflict (room_id, id) do update set name = excluded.name, last_seen_at = now()`,
      [input.roomId, input.id, input.kind, input.name],
    );
  }

  async postHumanMessage(input: { id: string; roomId: string; author: Author; content: string; runs: NewRun[] }) {
    return this.sql.transaction(async (tx) => {
      const inserted = await tx.query<MessageRow>(
        `insert into messages (id, room_id, author_kind, author_id, author_name, content, status)
         values ($1, $2, $3, $4, $5, $6, 'complete') on conflict (id) do nothing returning ${MESSAGE_COLUMNS}`,
        [input.id, input.roomId, input.author.kind, input.author.id, input.author.name, input.content],
      );
      if (!inserted.rows[0]) {
        const existing = (await tx.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [input.id])).rows[0];
        if (!existing || existing.room_id !== input.roomId || existing.content !== input.content || existing.author_id !== input.author.id) {
          throw new MessageConflictError(input.id);
        }
        const runs = await tx.query<RunRow>('select * from agent_runs where trigger_message_id = $1 order by created_at, id', [input.id]);
        return { message: toMessage(existing), created: false, runs: runs.rows.map(toRun) };
      }
      const runs = await insertRuns(tx, input.roomId, input.id, input.runs);
      return { message: toMessage(inserted.rows[0]), created: true, runs };
    });
  }

  async insertSystemMessage(input: { roomId: string; content: string; replyTo?: string | null; id?: string }): Promise<Message> {
    const { rows } = await this.sql.query<MessageRow>(
      `insert into messages (id, room_id, author_kind, author_id, author_name, content, status, reply_to)
       values ($1, $2, 'system', 'system', 'Chorus', $3, 'complete', $4) returning ${MESSAGE_COLUMNS}`,
      [input.id ?? randomUUID(), input.roomId, input.content, input.replyTo ?? null],
    );
    return toMessage(rows[0]!);
  }

  async getMessage(id: string): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.sql.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [id]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async listMessages(roomId: string, options: { before?: string | null; limit?: number } = {}): Promise<MessagePage> {
    const limit = Math.min(Math.max(1, options.limit ?? 50), MAX_PAGE);
    const before = options.before ? Number(options.before) : null;
    if (before !== null && !Number.isSafeInteger(before)) {
      throw new AppError({ name: 'InvalidCursorError', code: 'invalid_cursor', status: 400, message: 'The cursor is not one this API gave out' });
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

  async startAgentMessage(input: { id: string; roomId: string; author: Author; replyTo: string | null; reason: ReplyReason; model: string | null }) {
    const { rows } = await this.sql.query<MessageRow>(
      `insert into messages (id, room_id, author_kind, author_id, author_name, status, reply_to, reason, model)
       values ($1, $2, $3, $4, $5, 'streaming', $6, $7, $8) returning ${MESSAGE_COLUMNS}`,
      [input.id, input.roomId, input.author.kind, input.author.id, input.author.name, input.replyTo, input.reason, input.model],
    );
    return toMessage(rows[0]!);
  }

  async checkpointAgentMessage(id: string, snapshot: ReplySnapshot): Promise<void> {
    await this.sql.query(
      `update messages set content = $2, parts = $3::jsonb, seq = $4, updated_at = now() where id = $1 and status = 'streaming'`,
      [id, snapshot.content, json(snapshot.parts), snapshot.seq],
    );
  }

  async finishAgentMessage(
    id: string,
    final: ReplySnapshot & { status: Exclude<MessageStatus, 'streaming'>; usage?: TokenUsage | null; error?: string | null },
  ): Promise<Message> {
    const { rows } = await this.sql.query<MessageRow>(
      `update messages set content = $2, parts = $3::jsonb, seq = $4, status = $5, usage = $6::jsonb, error = $7, updated_at = now()
       where id = $1 and status = 'streaming' returning ${MESSAGE_COLUMNS}`,
      [id, final.content, json(final.parts), final.seq, final.status, json(final.usage ?? null), final.error ?? null],
    );
    if (rows[0]) return toMessage(rows[0]);
    const current = await this.getMessage(id); // finalised elsewhere (recovered after a lost lease)
    if (!current) throw new NotFoundError(`Message ${id}`);
    return current;
  }

  async enqueueRuns(input: { roomId: string; triggerMessageId: string; runs: NewRun[] }): Promise<AgentRun[]> {
    return this.sql.transaction((tx) => insertRuns(tx, input.roomId, input.triggerMessageId, input.runs));
  }

  async claimRuns(input: { owner: string; leaseMs: number; limit?: number; roomId?: string }): Promise<AgentRun[]> {
    const { rows } = await this.sql.query<RunRow>(
      `with next as (
         select id from agent_runs
         where status = 'queued' and ($4::text is null or room_id = $4::text)
         order by created_at, id limit $3
         for update skip locked
       )
       update agent_runs as run
       set status = 'running', attempt = run.attempt + 1, lease_owner = $1,
           lease_expires_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
       from next where run.id = next.id
       returning run.*`,
      [input.owner, input.leaseMs, input.limit ?? 10, input.roomId ?? null],
    );
    return rows.map(toRun).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `update agent_runs set lease_expires_at = now() + make_interval(secs => $3::double precision / 1000), updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [runId, owner, leaseMs],
    );
    return rowCount > 0;
  }

  async finishRun(runId: string, owner: string, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `update agent_runs set status = $3, last_error = $4, lease_expires_at = null, updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [runId, owner, status, error],
    );
    return rowCount > 0;
  }

  async listRuns(triggerMessageId: string): Promise<AgentRun[]> {
    const { rows } = await this.sql.query<RunRow>('select * from agent_runs where trigger_message_id = $1 order by created_at, id', [triggerMessageId]);
    return rows.map(toRun);
  }

  async cancelQueuedRuns(input: { roomId: string; agentId?: string; messageId?: string }): Promise<AgentRun[]> {
    const { rows } = await this.sql.query<RunRow>(
      `update agent_runs set status = 'cancelled', updated_at = now()
       where room_id = $1 and status = 'queued' and ($2::text is null or agent_id = $2::text) and ($3::uuid is null or message_id = $3::uuid)
       returning *`,
      [input.roomId, input.agentId ?? null, input.messageId ?? null],
    );
    return rows.map(toRun);
  }

  async recoverExpiredRuns(): Promise<RecoveredRun[]> {
    return this.sql.transaction(async (tx) => {
      const expired = await tx.query<RunRow>(
        `select * from agent_runs where status = 'running' and lease_expires_at < now() order by created_at for update skip locked`,
      );
      const recovered: RecoveredRun[] = [];
      for (const row of expired.rows) {
        await tx.query(`update agent_runs set status = 'failed', last_error = 'lease expired', updated_at = now() where id = $1`, [row.id]);
        const finished = await tx.query<MessageRow>(
          `update messages set status = 'interrupted', error = 'The server streaming this reply stopped before it finished', updated_at = now()
           where id = $1 and status = 'streaming' returning ${MESSAGE_COLUMNS}`,
          [row.message_id],
        );
        const message = finished.rows[0] ?? (await tx.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [row.message_id])).rows[0];
        await tx.query(`insert into room_events (room_id, kind, actor, data) values ($1, 'run.recovered', $2, $3::jsonb)`, [
          row.room_id,
          row.agent_id,
          json({ runId: row.id, messageId: row.message_id, leaseOwner: row.lease_owner, attempt: row.attempt, seq: message?.seq ?? 0 }),
        ]);
        recovered.push({ run: toRun({ ...row, status: 'failed', last_error: 'lease expired' }), message: message ? toMessage(message) : null });
      }
      return recovered;
    });
  }

  async onRunsQueued(onQueued: (roomId: string) => void): Promise<() => Promise<void>> {
    return this.sql.listen(RUNS_CHANNEL, onQueued);
  }

  async publishStop(request: StopRequest): Promise<void> {
    await this.sql.query('select pg_notify($1, $2)', [STOPS_CHANNEL, json(request)]);
  }

  async onStop(onStopRequest: (request: StopRequest) => void): Promise<() => Promise<void>> {
    return this.sql.listen(STOPS_CHANNEL, (payload) => {
      try {
        onStopRequest(JSON.parse(payload) as StopRequest);
      } catch {
        // not ours: only this store publishes on the channel
      }
    });
  }

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

  async addSession(input: { roomId: string; messageIds: readonly string[]; summary: string }): Promise<RoomSession | null> {
    const { rows } = await this.sql.query<SessionRow>(
      `insert into room_sessions (id, room_id, started_at, ended_at, summary)
       select $1, $2, min(created_at), max(created_at), $4 from messages where room_id = $2 and id = any($3::uuid[])
       having count(*) > 0
       on conflict (room_id, started_at) do nothing
       returning id, room_id, started_at, ended_at, summary`,
      [randomUUID(), input.roomId, input.messageIds.filter((id) => UUID.test(id)), input.summary],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async latestSession(roomId: string): Promise<RoomSession | null> {
    const { rows } = await this.sql.query<SessionRow>(
      `select id, room_id, started_at, ended_at, summary from room_sessions
       where room_id = $1 and summary is not null order by ended_at desc nulls last, started_at desc limit 1`,
      [roomId],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async addTokenUsage(roomId: string, usage: TokenUsage, day = today()): Promise<void> {
    await this.sql.query(
      `insert into token_usage (room_id, day, input_tokens, output_tokens) values ($1, $2::date, $3, $4)
       on conflict (room_id, day) do update set input_tokens = token_usage.input_tokens + excluded.input_tokens,
         output_tokens = token_usage.output_tokens + excluded.output_tokens`,
      [roomId, day, usage.inputTokens, usage.outputTokens],
    );
  }

  async getTokenUsage(roomId: string, day = today()): Promise<TokenUsage> {
    const { rows } = await this.sql.query<{ input_tokens: number | string; output_tokens: number | string }>(
      'select input_tokens, output_tokens from token_usage where room_id = $1 and day = $2::date',
      [roomId, day],
    );
    return { inputTokens: Number(rows[0]?.input_tokens ?? 0), outputTokens: Number(rows[0]?.output_tokens ?? 0) };
  }

  async appendEvent(input: { roomId: string; kind: string; actor?: string | null; data?: Record<string, unknown> }): Promise<void> {
    await this.sql.query('insert into room_events (room_id, kind, actor, data) values ($1, $2, $3, $4::jsonb)', [
      input.roomId,
      input.kind,
      input.actor ?? null,
      json(input.data ?? {}),
    ]);
  }

  async listEvents(roomId: string, options: { afterId?: number; limit?: number } = {}): Promise<RoomEvent[]> {
    const { rows } = await this.sql.query<{ id: number | string; room_id: string; kind: string; actor: string | null; data: Record<string, unknown>; created_at: Date | string }>(
      'select * from room_events where room_id = $1 and id > $2 order by id limit $3',
      [roomId, options.afterId ?? 0, Math.min(options.limit ?? 100, 1000)],
    );
    return rows.map((row) => ({ id: Number(row.id), roomId: row.room_id, kind: row.kind, actor: row.actor, data: row.data, createdAt: iso(row.created_at) }));
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

async function insertRuns(tx: SqlExecutor, roomId: string, triggerMessageId: string, runs: NewRun[]): Promise<AgentRun[]> {
  const inserted: AgentRun[] = [];
  for (const run of runs) {
    const { rows } = await tx.query<RunRow>(
      `insert into agent_runs (id, room_id, message_id, trigger_message_id, agent_id, reason, depth)
       values ($1, $2, $3, $4, $5, $6, $7) returning *`,
      [randomUUID(), roomId, run.messageId ?? randomUUID(), triggerMessageId, run.agentId, run.reason, run.depth ?? 0],
    );
    inserted.push(toRun(rows[0]!));
  }
  if (inserted.length > 0) await tx.query('select pg_notify($1, $2)', [RUNS_CHANNEL, roomId]);
  return inserted;
}
